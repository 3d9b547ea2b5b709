package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vserver.testsupport.RequiresRoot;

/**
 * Unification: two guests built from one Debian tarball, hashified into one store, started, and
 * written to. Each guest sees the store's files through a read-only overlay lower layer, so a
 * write copies the file up into that guest's private layer only. The tests run in order on the
 * same two guests (a and b): hashify, share, write, clone, delete.
 */
@RequiresRoot("builds, hashifies and starts real guests")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UnifyIT {
    static final String A = "ua", B = "ub";
    static final String LICENSES = "/usr/share/common-licenses";
    static TestHost host;
    static Path tarball;

    @BeforeAll
    static void setUp() throws Exception {
        tarball = DebianTree.tarball();
        host = new TestHost();
        for (String g : List.of(A, B)) build(g);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host != null) host.close();
        if (host != null) assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "loop devices left");
    }

    static void build(String g) throws Exception {
        var r = host.cli("vserver", g, "build", "-m", "template", "--", "-t", tarball.toString());
        assertEquals(0, r.code(), r.toString());
    }

    static void buildHashified(String g) throws Exception {
        var r = host.cli("vserver", g, "build", "--hashify", "-m", "template", "--", "-t", tarball.toString());
        assertEquals(0, r.code(), r.toString());
    }

    Path lower(String g) throws Exception {
        Path link = host.guestsDir.resolve(".private").resolve(g).resolve("lower");
        assertTrue(Files.isSymbolicLink(link), g + " is not layered: no " + link);
        return link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
    }

    Path store() { return host.guestsDir.resolve(".hash"); }

    static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS) + ":" + Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    @Order(0)
    void aHashDirectoryOnAnotherFilesystemIsRefusedBeforeAnythingChanges() throws Exception {
        Path other = host.root.resolve("otherfs");
        Files.createDirectories(other);
        DebianTree.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "vserver-it-otherfs", other.toString()));
        Path shm = other.resolve("hash");
        Path link = host.confdir.resolve(".defaults/apps/vunify/hash/0");
        try {
            Files.createDirectories(shm);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, shm);
            Map<String, String> before = UnifyChecks.snapshot(host.guestsDir.resolve(A));
            var r = host.cli("vhashify", A);
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains(shm.toString()) && r.err().contains("another filesystem"), r.toString());
            assertFalse(Files.exists(host.guestsDir.resolve(".private").resolve(A)), "the refused guest was made layered");
            assertEquals(before, UnifyChecks.snapshot(host.guestsDir.resolve(A)));
            assertEquals(List.of(), UnifyChecks.list(shm));
        } finally {
            Files.deleteIfExists(link);
            DebianTree.run(List.of("umount", other.toString()));
        }
    }

    @Test
    @Order(1)
    void aDryRunChangesNothing() throws Exception {
        Map<String, String> before = UnifyChecks.snapshot(host.guestsDir.resolve(A));
        var r = host.cli("vhashify", "-n", "-v", A);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("/usr/bin/dpkg"), "the dry run lists what it would link:\n" + r.out());
        assertFalse(Files.exists(host.guestsDir.resolve(".private").resolve(A)), "a dry run made the guest layered");
        assertFalse(Files.exists(store()) && UnifyChecks.countFiles(store()) > 0, "a dry run stored files");
        assertEquals(before, UnifyChecks.snapshot(host.guestsDir.resolve(A)), "a dry run changed the tree");
    }

    @Test
    @Order(2)
    void twoGuestsShareInodesAfterHashifyAndSeeTheSameFiles() throws Exception {
        Map<String, String> before = UnifyChecks.snapshot(host.guestsDir.resolve(A));
        for (String g : List.of(A, B)) {
            var r = host.cli("vserver", g, "hashify");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.err().contains("saved") || r.out().contains("saved"), "a summary with the bytes saved:\n" + r);
        }
        Path la = lower(A), lb = lower(B);
        assertNotEquals(la, lb, "two built guests: two lower trees");
        for (String f : List.of("usr/bin/dpkg", "usr/lib/x86_64-linux-gnu/libc.so.6", LICENSES.substring(1) + "/GPL-3"))
            assertEquals(inode(la.resolve(f)), inode(lb.resolve(f)), f + ": one inode for both guests");
        // what must never be shared: secrets, dpkg's conffiles, /var
        for (String f : List.of("etc/shadow", "etc/passwd", "etc/debian_version", "var/lib/dpkg/status"))
            assertNotEquals(inode(la.resolve(f)), inode(lb.resolve(f)), f + " was linked");
        assertEquals(before, UnifyChecks.snapshot(la), "hashify changed the files' content, modes, owners or times");
        assertTrue(Files.list(host.guestsDir.resolve(A)).findAny().isEmpty(), "the root is the overlay's empty mount point");

        host.start(A);
        host.start(B);
        String sums = "sha256sum /usr/bin/dpkg " + LICENSES + "/GPL-3 " + DebianTree.CHANGING;
        String inA = host.sh(A, sums), inB = host.sh(B, sums);
        assertEquals(inA, inB);
        assertEquals(UnifyChecks.sha256(la.resolve("usr/bin/dpkg")), inA.lines().findFirst().orElseThrow().split(" ")[0]);
        assertEquals("0 0 -rwxr-xr-x\n", host.sh(A, "stat -c '%u %g %A' /usr/bin/dpkg"), "the guest's root owns its files");
        assertTrue(host.sh(A, "grep ' / ' /proc/self/mountinfo").contains("overlay"), "the guest's root is an overlay");
    }

    @Test
    @Order(3)
    void writesInOneGuestLeaveTheOtherAndTheStoreUnchanged() throws Exception {
        Path lb = lower(B);
        Map<String, String> storeBefore = UnifyChecks.snapshot(store());
        String gpl = LICENSES + "/GPL-3", origin = host.sh(B, "sha256sum " + gpl);
        host.sh(A, "echo changed by a >> " + gpl + " && rm " + LICENSES + "/GPL-2 && mv " + LICENSES + "/Apache-2.0 "
                + LICENSES + "/A2 && chmod 600 " + LICENSES + "/BSD && truncate -s 0 " + LICENSES + "/LGPL-3");
        assertTrue(host.sh(A, "tail -1 " + gpl).contains("changed by a"));
        // a program and a library opened for writing (the same bytes written back: they must stay
        // usable): each is copied into a's private layer, the shared inode is left alone
        String lib = "/usr/lib/x86_64-linux-gnu/libc.so.6", bin = "/usr/bin/zdiff";
        Object libInode = inode(lb.resolve(lib.substring(1))), binInode = inode(lb.resolve(bin.substring(1)));
        host.sh(A, "for f in " + lib + " " + bin + "; do dd if=$f of=$f bs=64 count=1 conv=notrunc 2>/dev/null; done; echo hi >> " + bin);
        Path upperA = host.guestsDir.resolve(".private").resolve(A).resolve("layer/upper");
        for (String f : List.of(lib, bin))
            assertTrue(Files.isRegularFile(upperA.resolve(f.substring(1))), f + " was not copied up into a's private layer");
        assertEquals(libInode, inode(lb.resolve(lib.substring(1))));
        assertEquals(binInode, inode(lb.resolve(bin.substring(1))));
        assertEquals("no\n", host.sh(B, "tail -1 " + bin + " | grep -qx hi && echo yes || echo no"), "b's program changed");
        assertEquals("0\n", host.sh(A, "/bin/true; echo $?"), "a still runs with its copied-up libc");
        assertEquals(origin, host.sh(B, "sha256sum " + gpl), "b's copy changed");
        assertEquals("yes\n", host.sh(B, "test -f " + LICENSES + "/GPL-2 && test -f " + LICENSES + "/Apache-2.0 && echo yes"));
        assertEquals("644\n", host.sh(B, "stat -c %a " + LICENSES + "/BSD"));
        assertNotEquals("0\n", host.sh(B, "stat -c %s " + LICENSES + "/LGPL-3"));
        assertEquals("600\n", host.sh(A, "stat -c %a " + LICENSES + "/BSD"));
        assertEquals("no\n", host.sh(A, "test -e " + LICENSES + "/GPL-2 && echo yes || echo no"));

        // a package upgrade inside a: dpkg unlinks and renames over the shared files
        var deb = DebianTree.packageV2();
        var cp = host.cliWithInput(java.util.Base64.getMimeEncoder(76, new byte[] {(byte) 10}).encodeToString(Files.readAllBytes(deb)) + "\n",
                "vserver", A, "exec", "/bin/sh", "-c", "base64 -d > /tmp/p.deb");
        assertEquals(0, cp.code(), cp.toString());
        assertEquals(Files.size(deb) + "\n", host.sh(A, "stat -c %s /tmp/p.deb"));
        host.sh(A, "dpkg -i /tmp/p.deb >/dev/null");
        assertTrue(host.sh(A, "cat " + DebianTree.CHANGING).contains("version 2.0"));
        assertTrue(host.sh(B, "cat " + DebianTree.CHANGING).contains("version 1.0"), "b was upgraded too");
        assertTrue(host.sh(B, "dpkg -s " + DebianTree.PACKAGE).contains("Version: 1.0"));
        assertTrue(Files.readString(lb.resolve(DebianTree.CHANGING.substring(1))).contains("version 1.0"));
        assertEquals(storeBefore, UnifyChecks.snapshot(store()), "the store changed");
        host.stop(A);
        host.stop(B);
        host.assertNothingLeftOf(A);
        host.assertNothingLeftOf(B);
    }

    @Test
    @Order(4)
    void aCloneSharesTheLowerTreeAndKeepsTheSourcesChanges() throws Exception {
        String c = "uc";
        var r = host.cli("vserver", c, "build", "-m", "clone", "--", "--source", A);
        assertEquals(0, r.code(), r.toString());
        assertEquals(lower(A), lower(c), "the clone names a's lower tree");
        host.start(c);
        try {
            assertEquals(c + "\n", host.sh(c, "hostname"));
            assertEquals(c + "\n", host.sh(c, "cat /etc/hostname"), "the clone's own name, in its private layer");
            assertTrue(host.sh(c, "cat " + DebianTree.CHANGING).contains("version 2.0"), "a's upgrade came along");
            assertTrue(host.sh(c, "tail -1 " + LICENSES + "/GPL-3").contains("changed by a"));
            assertEquals("no\n", host.sh(c, "test -e " + LICENSES + "/GPL-2 && echo yes || echo no"), "a's unlink came along");
        } finally {
            host.stop(c);
        }
        host.assertNothingLeftOf(c);
        assertEquals(0, host.cli("vserver", c, "delete").code());
        assertTrue(Files.isDirectory(lower(A)), "deleting the clone kept the lower tree a still uses");
    }

    @Test
    @Order(5)
    void killedMidRunThenRunAgainLeavesTheTreeAsItWas() throws Exception {
        String k = "uk";
        build(k);
        Map<String, String> before = UnifyChecks.snapshot(host.guestsDir.resolve(k));
        Process p = host.spawnIn(null, "vhashify", k);
        Path priv = host.guestsDir.resolve(".private").resolve(k);
        // kill -9 once it is linking: the guest is layered and some of its files are the store's
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && p.isAlive()
                && !(Files.exists(priv.resolve("lower"), LinkOption.NOFOLLOW_LINKS) && UnifyChecks.linkedFiles(lower(k)) > 100))
            Thread.sleep(5);
        assertTrue(p.isAlive(), "vhashify finished before it could be killed: " + new String(p.getInputStream().readAllBytes()));
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        // every file is its old inode or the store's identical one, right now
        Path lk = Files.exists(priv.resolve("lower"), LinkOption.NOFOLLOW_LINKS) ? lower(k) : host.guestsDir.resolve(k);
        assertEquals(before, UnifyChecks.snapshotWithout(lk, ".vhashify~"), "the tree changed under a killed vhashify");
        var r = host.cli("vhashify", k);
        assertEquals(0, r.code(), r.toString());
        assertEquals(before, UnifyChecks.snapshot(lower(k)), "the tree changed after the second run");
        assertEquals(inode(lower(A).resolve("usr/bin/dpkg")), inode(lower(k).resolve("usr/bin/dpkg")), "the second run completed the job");
        // a lower tree gone missing: the start is refused, naming it, and leaves nothing
        Path lk2 = lower(k), aside = lk2.resolveSibling("aside");
        Files.move(lk2, aside);
        var start = host.cli("vserver", k, "start");
        assertEquals(1, start.code(), start.toString());
        assertTrue(start.err().contains("lower tree " + lk2 + " of guest '" + k + "' is missing"), start.toString());
        host.assertNothingLeftOf(k);
        Files.move(aside, lk2);
        assertEquals(0, host.cli("vserver", k, "delete").code());
    }

    @Test
    @Order(6)
    void aGuestWithoutAUserNamespaceSharesTheSameStore() throws Exception {
        String n = "un";
        buildHashified(n);                         // build --hashify: layered from the start
        host.config(n, "userns/disabled", "");
        assertEquals(inode(lower(A).resolve("usr/bin/dpkg")), inode(lower(n).resolve("usr/bin/dpkg")), "one inode for both kinds of guest");
        // a clone of a unified guest whose private layer is empty copies nothing: its private layer
        // holds only what the build wrote for its own name
        String nc = "unc";
        assertEquals(0, host.cli("vserver", nc, "build", "-m", "clone", "--", "--source", n).code());
        assertEquals(lower(n), lower(nc));
        Path upperC = host.guestsDir.resolve(".private").resolve(nc).resolve("layer/upper");
        List<String> written;
        try (var w = Files.walk(upperC)) {
            written = w.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).map(p -> upperC.relativize(p).toString()).sorted().toList();
        }
        assertTrue(written.stream().allMatch(f -> f.startsWith("etc/")) && written.size() <= 4 && written.contains("etc/hostname"),
                "the clone's private layer: " + written);
        assertEquals(0, host.cli("vserver", nc, "delete").code());
        host.start(n);
        try {
            assertEquals("0:0 /usr/bin/dpkg\n", host.sh(n, "stat -c '%u:%g %n' /usr/bin/dpkg"));
            assertEquals("0 0 4294967295\n", host.sh(n, "cat /proc/self/uid_map").replaceAll("\\s+", " ").strip() + "\n");
            host.sh(n, "echo mine >> " + LICENSES + "/GPL-3");
            assertEquals(0, (Integer) Files.getAttribute(host.guestsDir.resolve(".private").resolve(n).resolve("layer/upper" + LICENSES + "/GPL-3"),
                    "unix:uid"), "without a user namespace the private layer holds host ids 0..");
        } finally {
            host.stop(n);
        }
        host.assertNothingLeftOf(n);
        assertEquals(0, host.cli("vserver", n, "delete").code());
    }

    @Test
    @Order(7)
    void deleteAndGcRemoveWhatNoGuestUses() throws Exception {
        Path orphan = store().resolve("00/00/orphan-00000000");
        Files.createDirectories(orphan.getParent());
        Files.writeString(orphan, "an entry no guest links to any more");
        var gc = host.cli("vhashify", "--gc");
        assertEquals(0, gc.code(), gc.toString());
        assertFalse(Files.exists(orphan), "--gc kept an unused entry");
        long entries = UnifyChecks.countFiles(store());
        assertTrue(entries > 1000, "the store holds the shared files: " + entries);
        Path la = lower(A);
        assertEquals(0, host.cli("vserver", A, "delete").code());
        assertFalse(Files.exists(la), "a's lower tree outlived it");
        assertTrue(UnifyChecks.countFiles(store()) > 1000, "b still uses the store");
        assertEquals(0, host.cli("vserver", B, "delete").code());
        assertEquals(0, UnifyChecks.countFiles(store()), "store entries outlived the last guest");
        assertEquals(List.of(), UnifyChecks.list(host.guestsDir.resolve(".lower")), "lower trees outlived their guests");
        assertEquals(List.of(), UnifyChecks.list(host.guestsDir.resolve(".private")), "private layers outlived their guests");
    }
}
