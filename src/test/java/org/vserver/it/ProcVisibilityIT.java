package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.config.ProcMasks;
import org.vserver.testsupport.RequiresRoot;

/**
 * {@code apps/vprocunhide/files} on real guests: a {@code .defaults} list for every guest, a
 * guest's own list on top of it, masks inside the read-only /proc/sys, a writable per-namespace
 * sysctl, a bad line, and re-exposing an entry. The default masks themselves are ProcSysDevIT's.
 *
 * <p>{@code .defaults} hides /proc/version and shows /proc/key-users (masked by default).
 * {@code pvd} has no list of its own; {@code pvl} shows /proc/interrupts and /proc/version again,
 * hides /proc/loadavg and /proc/sys/vm/, and may write /proc/sys/kernel/domainname.
 */
@RequiresRoot("starts real guests")
class ProcVisibilityIT {
    static final String DEFAULTS = "# every guest\n!/proc/version\n+/proc/key-users\n";
    static final String LIST = "+/proc/interrupts\n/proc/version\n!/proc/loadavg\n-/proc/sys/vm/\n>/proc/sys/kernel/domainname\n";

    static TestHost host;
    static String pvd, pvl;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        Files.createDirectories(host.confdir.resolve(".defaults/apps/vprocunhide"));
        Files.writeString(host.confdir.resolve(".defaults/apps/vprocunhide/files"), DEFAULTS);
        pvd = host.build("pvd");
        pvl = host.build("pvl");
        host.config(pvl, "apps/vprocunhide/files", LIST);
        // A writable /proc/sys/kernel entry needs the host's user namespace: the kernel lets only
        // the host's root write kernel.* sysctls, whatever the mount says (README, vprocunhide).
        host.config(pvl, "userns/disabled", "");
        host.start(pvd);
        host.start(pvl);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host == null) return;
        try {
            for (String g : List.of("pvd", "pvl", "pvr"))
                if (host.guests.running(g).isPresent()) {
                    host.stop(g);
                    host.assertNothingLeftOf(g);
                }
        } finally {
            host.close();
        }
    }

    /** The byte count of each file as the guest reads it, "path N" lines. */
    static String sizes(String guest, String... files) throws Exception {
        var script = new StringBuilder();
        for (String f : files) script.append("echo \"").append(f).append(" $(wc -c < ").append(f).append(")\"; ");
        return host.sh(guest, script.toString());
    }

    /**
     * Whether {@code file} is masked (/dev/null bound over it: a character device) or shown. Its
     * size says nothing for /proc/key-users: a guest in its own user namespace has no key users yet.
     */
    static String masked(String guest, String file) throws Exception {
        return host.sh(guest, "[ -c " + file + " ] && echo masked || echo shown");
    }

    /** A default-masked file this kernel has (/proc/kcore is not built everywhere). */
    static String defaultMaskedFile() {
        return ProcMasks.MASKED_FILES.stream().filter(f -> !f.equals("/proc/interrupts") && !f.equals("/proc/key-users"))
                .filter(f -> Files.exists(Path.of(f), LinkOption.NOFOLLOW_LINKS)).findFirst().orElseThrow();
    }

    @Test
    void theDefaultsListAppliesToAGuestWithoutAList() throws Exception {
        String masked = defaultMaskedFile();
        String out = sizes(pvd, "/proc/version", "/proc/key-users", "/proc/interrupts", "/proc/loadavg", masked);
        assertTrue(out.contains("/proc/version 0\n"), ".defaults hides /proc/version:\n" + out);
        assertEquals("shown\n", masked(pvd, "/proc/key-users"), ".defaults shows /proc/key-users, masked by default:\n" + out);
        assertTrue(out.contains("/proc/interrupts 0\n"), "the rest of the default stays:\n" + out);
        assertTrue(out.contains(masked + " 0\n"), out);
        assertFalse(out.contains("/proc/loadavg 0\n"), "pvl's list does not reach pvd:\n" + out);
        assertFalse(Files.readString(Path.of("/proc/version")).isEmpty(), "the host still reads /proc/version");
    }

    @Test
    void aGuestListShowsHidesAndOverridesTheDefaults() throws Exception {
        String masked = defaultMaskedFile();
        String out = sizes(pvl, "/proc/interrupts", "/proc/version", "/proc/loadavg", "/proc/key-users", masked);
        assertFalse(out.contains("/proc/interrupts 0\n"), "+/proc/interrupts: the real file:\n" + out);
        assertFalse(out.contains("/proc/version 0\n"), "the guest's /proc/version beats .defaults' !/proc/version:\n" + out);
        assertTrue(out.contains("/proc/loadavg 0\n"), "!/proc/loadavg:\n" + out);
        assertEquals("shown\n", masked(pvl, "/proc/key-users"), ".defaults' lines the guest does not mention still apply:\n" + out);
        assertTrue(out.contains(masked + " 0\n"), "the secure default stays under both lists:\n" + out);
        String interrupts = host.sh(pvl, "head -1 /proc/interrupts");
        assertEquals(Files.readAllLines(Path.of("/proc/interrupts")).getFirst() + "\n", interrupts, "the host's CPU header line");
        var mounts = mountsInside(pvl);
        assertFalse(mounts.containsKey("/proc/interrupts"), "nothing covers /proc/interrupts");
        assertEquals("/null", mounts.get("/proc/loadavg").root(), "/proc/loadavg is the guest's /dev/null");
    }

    @Test
    void aMaskInsideTheReadOnlyProcSysIsApplied() throws Exception {
        assertTrue(Files.list(Path.of("/proc/sys/vm")).findAny().isPresent(), "the host's /proc/sys/vm has entries");
        String out = host.sh(pvl, "exec 2>&1; echo entries=$(ls -A /proc/sys/vm | wc -l); cat /proc/sys/vm/swappiness; echo cat=$?; "
                + "echo 1 > /proc/sys/kernel/hostname; echo hostname=$?");
        assertTrue(out.contains("entries=0\n"), "/proc/sys/vm is empty inside:\n" + out);
        assertTrue(out.contains("cat=1\n"), "/proc/sys/vm/swappiness does not exist inside:\n" + out);
        assertTrue(out.contains("/proc/sys/kernel/hostname: Read-only file system") && out.contains("hostname=2"),
                "the rest of /proc/sys stays read-only:\n" + out);
        var mounts = mountsInside(pvl);
        HostProbe.Mount vm = mounts.get("/proc/sys/vm"), sys = mounts.get("/proc/sys");
        assertEquals("tmpfs", vm.fsType(), vm.toString());
        assertTrue(vm.optionList().contains("ro"), vm.toString());
        assertTrue(sys.optionList().contains("ro"), sys.toString());
        assertEquals(sys.id(), vm.parent(), "the mask sits on the read-only /proc/sys bind, not under it");
    }

    @Test
    void aWritableDomainnameChangesOnlyTheGuestsUtsNamespace() throws Exception {
        String hostDomain = Files.readString(Path.of("/proc/sys/kernel/domainname"));
        String before = host.sh(pvd, "cat /proc/sys/kernel/domainname");
        String out = host.sh(pvl, "exec 2>&1; echo pvl.example > /proc/sys/kernel/domainname; echo write=$?; "
                + "cat /proc/sys/kernel/domainname; grep ' /proc/sys/kernel/domainname ' /proc/self/mountinfo");
        assertTrue(out.startsWith("write=0\npvl.example\n"), "the guest writes its domainname:\n" + out);
        assertEquals("pvl.example\n", host.sh(pvl, "domainname"), "getdomainname(2) in the guest sees it");
        assertEquals(hostDomain, Files.readString(Path.of("/proc/sys/kernel/domainname")), "the host's domainname is unchanged");
        assertEquals(before, host.sh(pvd, "cat /proc/sys/kernel/domainname"), "another guest's domainname is unchanged");
        HostProbe.Mount m = mountsInside(pvl).get("/proc/sys/kernel/domainname");
        assertTrue(m.optionList().contains("rw") && m.optionList().containsAll(List.of("nosuid", "nodev", "noexec")), m.toString());
    }

    @Test
    void configShowListsTheFile() throws Exception {
        var r = host.cli("vserver", pvl, "config", "show");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().toList().contains(
                "vprocunhide.files = +/proc/interrupts,/proc/version,!/proc/loadavg,-/proc/sys/vm/,>/proc/sys/kernel/domainname"), r.out());
        var bad = host.cli("vserver", pvl, "config", "set", "vprocunhide.files", "+/proc/interrupts,/etc/shadow");
        assertNotEquals(0, bad.code(), bad.toString());
        assertTrue(bad.err().contains(host.confdir.resolve(pvl).resolve("apps/vprocunhide/files") + ":2: '/etc/shadow' is not below /proc or /sys"),
                bad.toString());
        assertEquals(LIST, Files.readString(host.confdir.resolve(pvl).resolve("apps/vprocunhide/files")), "the list is unchanged");
    }

    @Test
    void aBadLineStopsTheStartAndLeavesNothing() throws Exception {
        String g = host.build("pvbad");
        Path list = host.confdir.resolve(g).resolve("apps/vprocunhide/files");
        host.config(g, "apps/vprocunhide/files", "# ok so far\n+/proc/interrupts\n!/proc/../etc/shadow\n");
        var r = host.cli("vserver", g, "start");
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains(list + ":3: '/proc/../etc/shadow' must not contain '..'"), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r);
        assertTrue(host.guests.running(g).isEmpty(), "not running");
        host.assertNothingLeftOf(g);
    }

    @Test
    void removingAHideLineReExposesTheEntryOnRestart() throws Exception {
        String g = host.build("pvr");
        host.config(g, "apps/vprocunhide/files", "!/proc/loadavg\n!/proc/sys/fs/\n");
        host.start(g);
        assertEquals("0 0\n", host.sh(g, "echo $(wc -c < /proc/loadavg) $(ls -A /proc/sys/fs | wc -l)"));
        host.stop(g);
        host.assertNothingLeftOf(g);
        host.config(g, "apps/vprocunhide/files", "# loadavg and fs visible again\n");
        host.start(g);
        String out = host.sh(g, "echo $(wc -c < /proc/loadavg) $(ls -A /proc/sys/fs | wc -l)");
        String[] n = out.strip().split(" ");
        assertNotEquals("0", n[0], "/proc/loadavg reads the real file again: " + out);
        assertNotEquals("0", n[1], "/proc/sys/fs has its entries again: " + out);
        var loadavg = mountsInside(g).get("/proc/loadavg");
        assertTrue(loadavg == null || loadavg.fsType().equals("fuse.lxcfs"),
                "no mask left over from the first start (lxcfs's view, virt_load, is no mask): " + loadavg);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    static java.util.Map<String, HostProbe.Mount> mountsInside(String g) throws Exception {
        var m = new java.util.LinkedHashMap<String, HostProbe.Mount>();
        for (var mt : HostProbe.mountinfo(host.sh(g, "cat /proc/self/mountinfo"))) m.put(mt.point(), mt);   // the last on a point wins
        return m;
    }
}
