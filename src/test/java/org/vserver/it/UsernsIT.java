package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.testsupport.Owners.owner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.config.SubidFiles;
import org.vserver.testsupport.RequiresRoot;

/**
 * Every guest in its own user namespace (issue 13, doc/userns.md), seen from inside and from the
 * host: its ids are 0..65535 of its own range of root's subordinate ids, which no other guest
 * shares; its tree is idmapped, never chowned; what it writes on a shared bind carries its range;
 * the host's /usr is root-owned inside and read-only. And the refusals of ranges that would break
 * that, each naming its file and line. Every test has its own host (and so its own subordinate
 * ids, {@code host.subids}): guests are `host`-method builds, a second each.
 */
@RequiresRoot("starts real guests in user namespaces")
class UsernsIT {
    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    /** A guest's range as its userns/uidmap or gidmap says: "HOSTFIRST COUNT". */
    record Range(long first, long count) {
        boolean contains(long id) { return id >= first && id < first + count; }

        boolean overlaps(Range o) { return first < o.first + o.count && o.first < first + count; }
    }

    Range range(String guest, String file) throws Exception {
        String[] f = Files.readString(host.confdir.resolve(guest).resolve("userns").resolve(file)).strip().split("\\s+");
        return new Range(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    /** The first range of root in a subordinate-ids file ("root:FIRST:COUNT"). */
    static Range rootRange(Path subids) throws Exception {
        for (String l : Files.readAllLines(subids))
            if (l.startsWith("root:")) {
                String[] f = l.split(":");
                return new Range(Long.parseLong(f[1]), Long.parseLong(f[2]));
            }
        throw new AssertionError("no root line in " + subids);
    }

    /** The real, effective, saved and fs uid (or gid) of a host process, as the host sees them. */
    static List<Long> ids(int pid, String field) throws Exception {
        return List.of(HostProbe.status(pid, field).split("\\s+")).stream().map(Long::parseLong).toList();
    }

    Path vdir(String guest) { return host.guestsDir.resolve(guest); }

    // 1, 6: from inside
    @Test
    void insideTheGuestRootIsUidZeroOfItsRangeAndSetuidToolsWork() throws Exception {
        String g = host.build("inside");
        Range uids = range(g, "uidmap"), gids = range(g, "gidmap");
        assertEquals(65536, uids.count(), "65,536 uids per guest");
        host.start(g);

        String maps = host.sh(g, "cat /proc/self/uid_map; echo --; cat /proc/self/gid_map").replaceAll("[ \\t]+", " ");
        assertEquals(List.of("0 " + uids.first() + " 65536", "--", "0 " + gids.first() + " 65536"), HostProbe.lines(maps),
                "the kernel's maps are the guest's userns/ files");
        assertEquals("0", host.sh(g, "id -u").strip());
        assertEquals("65534", host.sh(g, "su -s /bin/sh nobody -c 'id -u'").strip(), "su to nobody (setuid su)");

        // passwd: guest root manages its own users; a user changes its own password through the setuid passwd
        String shadowBefore = host.sh(g, "cat /etc/shadow");
        String out = host.sh(g, "useradd -m -s /bin/sh alice && echo alice:Old-pass-123 | chpasswd && grep '^alice:' /etc/shadow");
        String hashOld = out.strip().split(":")[1];
        assertTrue(hashOld.startsWith("$"), "chpasswd set a hash:\n" + out);
        assertFalse(shadowBefore.contains("alice:"), shadowBefore);
        out = host.sh(g, "su -s /bin/sh alice -c 'id -u; printf \"Old-pass-123\\nNew-pass-456x\\nNew-pass-456x\\n\" | passwd' 2>&1;"
                + " ls -ln /usr/bin/passwd; grep '^alice:' /etc/shadow");
        String hashNew = HostProbe.lines(out).getLast().split(":")[1];
        assertTrue(hashNew.startsWith("$") && !hashNew.equals(hashOld), "alice changed her own password with passwd:\n" + out);
        assertTrue(out.contains("-rwsr-xr-x 1 0 0 "), "passwd is setuid root inside:\n" + out);
        assertEquals("0:42", owner(vdir(g).resolve("etc/shadow")), "shadow stays root:shadow on disk (the idmap, no chown)");

        // ping: an ICMP datagram socket, for every group of the guest (CapabilitiesIT's probe)
        assertEquals("icmp=ok", host.sh(g, CapabilitiesIT.ICMP).strip(), "ICMP datagram sockets for guest root");
        var ping = host.cli("vserver", g, "exec", "su", "-s", "/bin/sh", "nobody", "-c", CapabilitiesIT.ICMP);
        assertEquals("icmp=ok", ping.out().strip(), "and for nobody:\n" + ping);

        // 6: the host's /usr, bound read-only and idmapped: root-owned inside, not writable
        out = host.sh(g, "stat -c %u:%g /usr/bin/env; touch /usr/bin/usernsit 2>&1; echo touch=$?");
        assertEquals("0:0", HostProbe.lines(out).getFirst(), "/usr is root-owned inside:\n" + out);
        assertTrue(out.contains("Read-only file system") && out.contains("touch=1"), "/usr cannot be written:\n" + out);
        assertFalse(Files.exists(Path.of("/usr/bin/usernsit")));
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    // 2: from the host
    @Test
    void theGuestsProcessesRunWithItsRangesHostIds() throws Exception {
        String g = host.build("fromhost");
        Range uids = range(g, "uidmap"), gids = range(g, "gidmap");
        host.start(g);
        int init = host.initPid(g);
        assertEquals(List.of(uids.first(), uids.first(), uids.first(), uids.first()), ids(init, "Uid"), "the init is the range's first uid");
        assertEquals(List.of(gids.first(), gids.first(), gids.first(), gids.first()), ids(init, "Gid"));

        Process root = host.spawnIn(null, "vserver", g, "exec", "sleep", "60");
        Process nobody = host.spawnIn(null, "vserver", g, "exec", "su", "-s", "/bin/sh", "nobody", "-c", "exec sleep 61");
        try {
            Map<String, List<Long>> seen = new TreeMap<>();
            for (int i = 0; i < 100 && seen.size() < 2; i++) {
                for (int pid : host.vs.cgroups().processes(g)) {
                    String cmd;
                    try {
                        cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip();
                    } catch (java.io.IOException gone) {
                        continue;
                    }
                    if (cmd.equals("sleep 60") || cmd.equals("sleep 61")) seen.put(cmd, ids(pid, "Uid"));
                }
                Thread.sleep(50);
            }
            long n = uids.first() + 65534;
            assertEquals(Map.of("sleep 60", List.of(uids.first(), uids.first(), uids.first(), uids.first()),
                    "sleep 61", List.of(n, n, n, n)), seen, "exec'd processes: guest root and nobody, as host uids of the range");
            // the spectator's view names them as the guest does, never by the raw host uid
            var vps = host.cli("vps", "aux");
            assertEquals(0, vps.code(), vps.toString());
            String first = vps.out().lines().filter(l -> l.matches(".* " + g + " .* \\d+:\\d\\d sleep 60")).findFirst().orElseThrow(),
                    second = vps.out().lines().filter(l -> l.matches(".* " + g + " .* \\d+:\\d\\d sleep 61")).findFirst().orElseThrow();
            assertTrue(first.startsWith("root "), "vps names guest root:\n" + vps.out());
            assertTrue(second.startsWith("nobody "), "vps names the guest's nobody:\n" + vps.out());
            assertFalse(vps.out().contains(Long.toString(uids.first())), "no raw host uid of the range:\n" + vps.out());
        } finally {
            root.destroyForcibly();
            nobody.destroyForcibly();
            root.waitFor(10, TimeUnit.SECONDS);
            nobody.waitFor(10, TimeUnit.SECONDS);
        }
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    // 3
    @Test
    void aSecondGuestsRangeIsDisjointAndItsProcessesStayInIt() throws Exception {
        String a = host.build("first"), b = host.build("second");
        Range subuid = rootRange(host.subids.subuid()), subgid = rootRange(host.subids.subgid());
        for (String file : List.of("uidmap", "gidmap")) {
            Range ra = range(a, file), rb = range(b, file), sub = file.equals("uidmap") ? subuid : subgid;
            assertFalse(ra.overlaps(rb), file + ": " + ra + " and " + rb);
            for (Range r : List.of(ra, rb))
                assertTrue(sub.contains(r.first()) && sub.contains(r.first() + r.count() - 1), r + " within root's " + sub);
        }
        host.start(a);
        host.start(b);
        for (String g : List.of(a, b)) {
            Range own = range(g, "uidmap"), other = range(g.equals(a) ? b : a, "uidmap");
            for (int pid : host.vs.cgroups().processes(g)) {
                long uid = ids(pid, "Uid").getFirst();
                assertTrue(own.contains(uid) && !other.contains(uid), g + "'s pid " + pid + " runs as " + uid + ", its range " + own);
            }
        }
        host.stop(a);
        host.stop(b);
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
    }

    // 4
    /**
     * Guest root holding all the inotify instances it may does not take them from the host's root
     * or another guest's: the kernel counts them per (user namespace, uid) and charges every
     * ancestor level at the uid that created the namespace, so the launcher creates each guest's
     * user namespace as the guest's first host uid, never as host root (launcher/userns.c).
     */
    @Test
    void guestRootExhaustingInotifyInstancesLeavesTheHostAndOtherGuestsTheirs() throws Exception {
        String a = host.build("ihog"), b = host.build("ineighbour");
        CounterProbe.install(host, a);
        CounterProbe.install(host, b);
        host.start(a);
        host.start(b);
        Process hold = host.spawnIn(null, "vserver", a, "exec", CounterProbe.IN_GUEST, "hold");
        try {
            Map<String, String> h = CounterProbe.fields("HELD", UidCountersIT.heldLine(hold));
            assertTrue(h.get("inotify").endsWith("/EMFILE"), "the hog stopped at its own limit: " + h);
            Map<String, String> onHost = CounterProbe.fields("CHECK", HostProbe.run(CounterProbe.build().toString(), "check").out());
            var inB = host.cli("vserver", b, "exec", CounterProbe.IN_GUEST, "check");
            String report = "guest A holds " + h + "\nhost root: " + onHost + "\nguest B: " + inB;
            assertEquals("ok", onHost.get("inotify_init1"), "the host's root still gets an inotify instance:\n" + report);
            assertEquals("ok", CounterProbe.fields("CHECK", inB.out()).get("inotify_init1"), "and guest B's root:\n" + report);
        } finally {
            hold.destroyForcibly();
            hold.waitFor(10, TimeUnit.SECONDS);
            host.stop(a);
            host.stop(b);
        }
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
    }

    // 5
    @Test
    void aFileOnASharedBindCarriesItsWritersRangeAndChxidMovesItToTheOtherGuest() throws Exception {
        String a = host.build("writer"), b = host.build("reader");
        Path shared = Files.createDirectory(host.root.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (String g : List.of(a, b))
            Files.writeString(host.confdir.resolve(g).resolve("fstab"), shared + " /shared none bind 0 0\n", StandardOpenOption.APPEND);
        host.start(a);
        host.start(b);
        // the launcher made the mount point on the idmapped root as the guest's root: 0 on disk, as without a user namespace
        assertEquals("0:0", owner(vdir(a).resolve("shared")));
        assertEquals("0 0", host.sh(a, "echo from-a > /shared/f; stat -c '%u %g' /shared/f").strip(), "guest root's file, inside");
        Range ua = range(a, "uidmap"), ga = range(a, "gidmap"), ub = range(b, "uidmap"), gb = range(b, "gidmap");
        Path f = shared.resolve("f");
        assertEquals(ua.first() + ":" + ga.first(), owner(f), "on disk: A's range");
        String ls = HostProbe.ok("ls", "-ln", f.toString());
        assertTrue(ls.contains(" " + ua.first() + " " + ga.first() + " "), "ls -ln from the host:\n" + ls);
        assertEquals("65534 65534", host.sh(b, "stat -c '%u %g' /shared/f").strip(), "A's file is nobody's in B");

        var r = host.cli("lsxid", f.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(host.context(a), a, f.toString()), List.of(r.out().strip().split("\\s+")), "lsxid names A:\n" + r);

        r = host.cli("chxid", "-c", b, f.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(ub.first() + ":" + gb.first(), owner(f), "on disk: B's range");
        assertTrue(host.sh(b, "ls -ln /shared/f").contains(" 1 0 0 "), "B's root owns it now");
        assertEquals("ok", host.sh(b, "echo from-b >> /shared/f && chmod 600 /shared/f && echo ok").strip());
        assertEquals(List.of(host.context(b), b, f.toString()), List.of(host.cli("lsxid", f.toString()).out().strip().split("\\s+")));
        host.stop(a);
        host.stop(b);
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
    }

    // 7
    /** A line of `find -printf '%U %G %p'`: owner, then the path. */
    static Map<String, String> owners(Path vdir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (String l : HostProbe.ok("find", vdir.toString(), "-xdev", "-printf", "%U %G %p\\n").lines().toList()) {
            String[] f = l.split(" ", 3);
            m.put(f[2], f[0] + " " + f[1]);
        }
        return m;
    }

    @Test
    void aGuestBuiltBeforeUserNamespacesStartsInOneAndNothingInItsTreeChangesOwner() throws Exception {
        String g = host.build("olden");
        Path userns = host.confdir.resolve(g).resolve("userns");
        Files.delete(userns.resolve("uidmap"));
        Files.delete(userns.resolve("gidmap"));
        Files.delete(userns);
        Map<String, String> before = owners(vdir(g));
        assertTrue(before.size() > 100 && before.containsValue("0 42"), "a real tree, root- and shadow-owned: " + before.size());

        var r = host.cli("vserver", g, "start");
        assertEquals(0, r.code(), r.toString());
        Range uids = range(g, "uidmap"), gids = range(g, "gidmap");
        assertTrue(r.err().contains(userns.resolve("uidmap").toString()), "the start says where the range went:\n" + r);
        assertTrue(rootRange(host.subids.subuid()).contains(uids.first()) && rootRange(host.subids.subgid()).contains(gids.first()));
        assertEquals(uids.first(), ids(host.initPid(g), "Uid").getFirst(), "a userns guest now");

        host.sh(g, "touch /root/by-root && useradd -m bob && su -s /bin/sh bob -c 'mkdir /home/bob/d && touch /home/bob/d/by-bob'"
                + " && echo change >> /etc/motd");
        host.stop(g);
        host.assertNothingLeftOf(g);

        Map<String, String> after = owners(vdir(g));
        for (var e : before.entrySet())
            assertEquals(e.getValue(), after.get(e.getKey()), "the owner of " + e.getKey() + " is what the build made");
        Path v = vdir(g);
        assertEquals("0 0", after.get(v.resolve("root/by-root").toString()), "guest root's new file is stored as 0 (the idmap)");
        // the guest is stopped: bob's ids from its passwd
        String bobIds = Files.readAllLines(v.resolve("etc/passwd")).stream().filter(l -> l.startsWith("bob:"))
                .map(l -> l.split(":")[2] + " " + l.split(":")[3]).findFirst().orElseThrow();
        for (String p : List.of("home/bob", "home/bob/d", "home/bob/d/by-bob"))
            assertEquals(bobIds, after.get(v.resolve(p).toString()), p + ": bob's ids inside are bob's ids on disk");
    }

    // 8
    @Test
    void overlappingRangesAreRefusedNamingBothFiles() throws Exception {
        String a = host.build("owner"), b = host.build("intruder");
        Range ua = range(a, "uidmap");
        Path bFile = host.confdir.resolve(b).resolve("userns/uidmap");
        Files.writeString(bFile, "# moved by hand\n" + (ua.first() + 4096) + " 65536\n");
        var r = host.cli("vserver", b, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(bFile + ":2:") && r.err().contains("overlap")
                && r.err().contains(host.confdir.resolve(a).resolve("userns/uidmap") + ":1"), "both files, with lines:\n" + r);
        host.assertNothingLeftOf(b);
        assertTrue(host.vs.state().names().isEmpty());
    }

    @Test
    void aRangeOutsideRootsSubordinateIdsIsRefused() throws Exception {
        String g = host.build("outside");
        Range sub = rootRange(host.subids.subuid());
        Path file = host.confdir.resolve(g).resolve("userns/uidmap");
        long first = sub.first() + sub.count();                                       // just past root's last id
        Files.writeString(file, first + " 65536\n");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(file + ":1:") && r.err().contains("subordinate") && r.err().contains(host.subids.subuid().toString()),
                "the file and line, and root's subuid file:\n" + r);
        host.assertNothingLeftOf(g);
    }

    @Test
    void noSubordinateIdsForRootAndAFileThatCannotBeWrittenIsRefused() throws Exception {
        String g = host.build("nosubids");
        Path userns = host.confdir.resolve(g).resolve("userns");
        for (String f : List.of("uidmap", "gidmap")) Files.delete(userns.resolve(f));
        // root's subordinate uids: other users only, on a read-only bind (root writes through modes)
        Path ro = host.root.resolve("subuid-readonly");
        Files.writeString(ro, "alice:100000:65536\n");
        HostProbe.ok("mount", "--bind", ro.toString(), ro.toString());
        try {
            HostProbe.ok("mount", "-o", "remount,bind,ro", ro.toString());
            var r = host.cliWithEnv(Map.of(SubidFiles.SUBUID_ENV, ro.toString()), "vserver", g, "start");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains(ro + ": root has no subordinate ids") && r.err().contains("root:FIRST:COUNT"),
                    "names the file and tells to add a root line:\n" + r);
            assertEquals("alice:100000:65536\n", Files.readString(ro));
        } finally {
            HostProbe.ok("umount", ro.toString());
        }
        assertFalse(Files.exists(userns.resolve("uidmap")), "nothing allocated");
        assertFalse(Files.exists(userns.resolve("gidmap")), "nothing allocated");
        host.assertNothingLeftOf(g);
        // a path that cannot be created at all (sysfs takes no new files)
        var r = host.cliWithEnv(Map.of(SubidFiles.SUBUID_ENV, "/sys/vserver-it-" + host.id + "/subuid"), "vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("/sys/vserver-it-" + host.id + "/subuid: root has no subordinate ids"), r.toString());
        host.assertNothingLeftOf(g);
    }

    // 9
    @Test
    void aGuestWithUsernsDisabledRunsAsHostRootAndIsWarnedAbout() throws Exception {
        String g = host.build("hostroot");
        host.config(g, "userns/disabled", "");
        var r = host.cli("vserver", g, "start");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("warning") && r.err().contains(host.confdir.resolve(g).resolve("userns/disabled").toString()),
                "the start warns naming the file:\n" + r);
        assertEquals(List.of(0L, 0L, 0L, 0L), ids(host.initPid(g), "Uid"), "its init is the host's root");
        assertEquals("0 0 4294967295", host.sh(g, "cat /proc/self/uid_map").strip().replaceAll("\\s+", " "), "the host's user namespace");
        host.stop(g);
        host.assertNothingLeftOf(g);
    }
}
