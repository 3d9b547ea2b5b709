package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.HostFeatures;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * Disk limits: a guest's private layer on a loop-backed ext4 image (or a btrfs subvolume with a
 * qgroup limit), filled from inside the guest while its neighbour and the host keep writing.
 */
@RequiresRoot("limits and fills real guests' disks")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiskLimitIT {
    static final String A = "da", B = "db";
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        host.build(A);
        host.build(B);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host == null) return;
        host.close();
        assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "loop devices left");
    }

    static TestHost.Result ok(TestHost.Result r) {
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /** df -k / inside the guest: total and used KiB. */
    static long[] df(String g) throws Exception {
        String[] f = host.sh(g, "df -k / | tail -1").trim().split("\\s+");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    @Test
    @Order(1)
    void aLimitStopsWritesInsideItsGuestOnly() throws Exception {
        ok(host.cli("vdlimit", "--xid", A, "--set", "space_total=64M", "--set", "inodes_total=2048"));
        assertEquals("2048\n", Files.readString(host.confdir.resolve(A).resolve("dlimits/0/inodes_total")));
        assertEquals("65536\n", Files.readString(host.confdir.resolve(A).resolve("dlimits/0/space_total")));
        host.start(A);
        host.start(B);
        long[] df = df(A);
        assertTrue(df[0] > 40_000 && df[0] <= 65536, "df / in the guest shows its limit: " + df[0] + " KiB");
        assertNotEquals(df[0], df(B)[0], "b sees the host's filesystem");
        var full = host.cli("vserver", A, "exec", "/bin/sh", "-c", "dd if=/dev/zero of=/root/big bs=1M count=100 2>&1");
        assertNotEquals(0, full.code(), full.toString());
        assertTrue(full.out().contains("No space left on device"), full.toString());
        // the neighbour and the host write on
        ok(host.cli("vserver", B, "exec", "/bin/sh", "-c", "dd if=/dev/zero of=/root/big bs=1M count=100 2>&1"));
        Path hostFile = host.root.resolve("host-writes");
        try (var f = new RandomAccessFile(hostFile.toFile(), "rw")) {
            f.write(new byte[1 << 20]);
        }
        Files.delete(hostFile);
        host.sh(B, "rm /root/big");
        host.sh(A, "rm /root/big");
        // an inode flood ends at the inode limit, with the same error
        String flood = host.sh(A, "mkdir /root/flood; i=0; while touch /root/flood/f$i 2>/dev/null; do i=$((i+1)); done; echo $i;"
                + " touch /root/flood/last 2>&1; true");
        int made = Integer.parseInt(flood.lines().findFirst().orElseThrow().strip());
        System.out.println("inode flood: " + made + " files before ENOSPC (inodes_total=2048)");
        assertTrue(made > 100 && made < 2048, "files made before the inode limit: " + made);
        assertTrue(flood.contains("No space left on device"), flood);
        host.sh(A, "rm -rf /root/flood");
        host.sh(B, "mkdir /root/many && cd /root/many && i=0; while [ $i -lt 3000 ]; do : > f$i; i=$((i+1)); done; rm -rf /root/many");
    }

    @Test
    @Order(2)
    void statusAndVserverStatShowUseAndLimit() throws Exception {
        String status = ok(host.cli("vserver", A, "status")).out();
        assertTrue(status.contains("Disk: ") && status.contains("limit 64 MiB (loop)"), status);
        JsonNode stat = new ObjectMapper().readTree(ok(host.cli("vserver-stat", "--json")).out());
        JsonNode a = null;
        for (JsonNode n : stat) if (A.equals(n.path("name").asText())) a = n;
        assertTrue(a != null, stat.toString());
        assertEquals("loop", a.path("disk").path("backend").asText(), a.toString());
        assertEquals(65536, a.path("disk").path("limit_kib").asLong(), a.toString());
        assertTrue(a.path("disk").path("used_kib").asLong() > 0, a.toString());
        String shown = ok(host.cli("vdlimit", "--xid", A)).out();
        assertTrue(shown.contains("space_total=65536") && shown.contains("inodes_total=2048") && shown.contains("backend=loop"), shown);
        String vdu = ok(host.cli("vdu", "--xid", A, "--space", "--inodes")).out();
        assertTrue(vdu.startsWith(A + " "), vdu);
    }

    @Test
    @Order(3)
    void shrinkingBelowUseIsRefusedAndGrowingWorks() throws Exception {
        host.sh(A, "dd if=/dev/zero of=/root/keep bs=1M count=30 2>/dev/null");
        var running = host.cli("vdlimit", "--xid", A, "--set", "space_total=32M");
        assertNotEquals(0, running.code(), running.toString());
        assertTrue(running.err().contains("stop"), running.toString());
        host.stop(A);
        host.assertNothingLeftOf(A);
        assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "the image's loop device outlived the guest");
        var below = host.cli("vdlimit", "--xid", A, "--set", "space_total=20M");
        assertNotEquals(0, below.code(), below.toString());
        assertTrue(below.err().contains("in use") && below.err().contains("smallest limit"), below.toString());
        assertEquals("65536\n", Files.readString(host.confdir.resolve(A).resolve("dlimits/0/space_total")), "a refusal changed the limit");
        ok(host.cli("vdlimit", "--xid", A, "--set", "space_total=96M"));
        host.start(A);
        assertTrue(df(A)[0] > 65536, "df after growing: " + df(A)[0]);
        assertEquals("31457280\n", host.sh(A, "stat -c %s /root/keep"), "the guest's files came along");
    }

    /**
     * A grow of a running guest's image: live where vserver holds CAP_SYS_RESOURCE (ext4's online
     * resize needs it); without it (this sandbox's root), vdlimit says so, keeps the new limit, and
     * the next start applies it. Both are checked, whichever the host is: nothing is skipped.
     */
    @Test
    @Order(4)
    void aLoopImageGrowsWhileItsGuestRunsOrAtItsNextStart() throws Exception {
        long before = df(A)[0];
        var r = ok(host.cli("vdlimit", "--xid", A, "--set", "space_total=160M"));
        assertEquals("163840\n", Files.readString(host.confdir.resolve(A).resolve("dlimits/0/space_total")));
        if (HostFeatures.find(Feature.EXT4_ONLINE_RESIZE).present()) {
            assertTrue(df(A)[0] > before + 50_000, "df after a live grow: " + df(A)[0]);
            return;
        }
        assertTrue(r.err().contains("CAP_SYS_RESOURCE") && r.err().contains("next start"), r.toString());
        assertEquals(before, df(A)[0], "without CAP_SYS_RESOURCE the running guest's filesystem cannot have grown");
        host.stop(A);
        host.start(A);
        assertTrue(df(A)[0] > before + 50_000, "df after the start that applied the grow: " + df(A)[0]);
        assertEquals("31457280\n", host.sh(A, "stat -c %s /root/keep"));
    }

    @Test
    @Order(5)
    void badInputIsRefusedAndLeavesTheGuestAsItWas() throws Exception {
        var unknown = host.cli("vdlimit", "--xid", A, "--set", "space_max=1G");
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("unknown key 'space_max'"), unknown.toString());
        host.stop(A);
        Path extra = host.confdir.resolve(A).resolve("dlimits/0/space_max");
        Files.writeString(extra, "1\n");
        var start = host.cli("vserver", A, "start");
        assertNotEquals(0, start.code());
        assertTrue(start.err().contains(extra.toString()) && start.err().contains("unknown disk limit setting"), start.toString());
        host.assertNothingLeftOf(A);
        Files.delete(extra);
        // a missing image, a corrupt one
        Path image = host.guestsDir.resolve(".private").resolve(A).resolve("disk.img");
        Path aside = image.resolveSibling("disk.img.aside");
        Files.move(image, aside);
        var missing = host.cli("vserver", A, "start");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("disk.img"), missing.toString());
        host.assertNothingLeftOf(A);
        Files.move(aside, image);
        byte[] saved = new byte[4096];
        try (var f = new RandomAccessFile(image.toFile(), "rw")) {
            f.readFully(saved);
            f.seek(1024);
            f.write(new byte[1024]);
        }
        var corrupt = host.cli("vserver", A, "start");
        assertNotEquals(0, corrupt.code());
        assertTrue(corrupt.err().contains("not an ext4"), corrupt.toString());
        host.assertNothingLeftOf(A);
        assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root));
        try (var f = new RandomAccessFile(image.toFile(), "rw")) {
            f.write(saved);
        }
        host.start(A);
        assertEquals("31457280\n", host.sh(A, "stat -c %s /root/keep"));
    }

    /**
     * A disk-limited guest starts from its compiled plan, without a JVM (doc/plan-cache.md): the
     * launcher mounts the image on the private layer (MOUNT_LOOP_HOST, journaled) before the guest's
     * cgroups take the loop device away; a failure there or right after it, and the stop, leave the
     * layer unmounted and no loop device; an image in use is never mounted a second time.
     */
    @Test
    @Order(6)
    void theCompiledStartMountsTheImageAndUndoesIt() throws Exception {
        host.stop(A);
        host.start(A);                                   // a start after the resizes: compiles, nothing left for java
        host.stop(A);
        String plan = host.cacheDir.resolve(A).resolve("plan").toString();
        assertEquals("current", host.launcher(null, Map.of(), "--check", plan).out().strip());
        ok(host.launcher(null, Map.of(), "--start", plan));
        assertEquals(1, host.hostMountsOfGuests().size(), "the layer is mounted on the host: " + host.hostMountsOfGuests());
        assertEquals("31457280\n", host.sh(A, "stat -c %s /root/keep"));
        ok(host.launcher(null, Map.of(), "--stop", host.rundir.resolve(A).toString()));
        assertEquals(List.of(), host.hostMountsOfGuests(), "the stop unmounted the layer");
        assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "and its loop device went");
        host.assertNothingLeftOf(A);

        List<String> steps = host.launcher(null, Map.of(), "--dry-run", plan + "/start.plan").out().lines().skip(1).toList();
        int mount = -1;
        for (int i = 0; i < steps.size() && mount < 0; i++) if (steps.get(i).contains(" MOUNT_LOOP_HOST ")) mount = i;
        assertTrue(mount > 0 && !steps.get(mount + 1).contains("CLONE"), String.join("\n", steps));
        for (int n : List.of(mount, mount + 1)) {
            var r = host.launcher(null, Map.of("VSERVER_LAUNCHER_FAIL_STEP", Integer.toString(n)), "--start", plan);
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("injected failure"), r.toString());
            assertEquals(List.of(), host.hostMountsOfGuests(), "a failure at step " + n + " left the layer mounted");
            assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "a failure at step " + n + " left a loop device");
            host.assertNothingLeftOf(A);
        }

        // the image mounted by hand (a backup reading it: read-only, so its superblock stays clean):
        // the start refuses rather than mount it a second time
        Path image = host.guestsDir.resolve(".private").resolve(A).resolve("disk.img");
        Path elsewhere = Files.createDirectory(host.root.resolve("by-hand"));
        assertEquals(0, HostProbe.run("mount", "-o", "loop,ro", image.toString(), elsewhere.toString()).code());
        try {
            var twice = host.launcher(null, Map.of(), "--start", plan);
            assertEquals(1, twice.code(), twice.toString());
            assertTrue(twice.err().contains("the disk image " + image + " is in use by /dev/loop"), twice.toString());
            assertEquals(1, host.hostMountsOfGuests().size(), "only the mount by hand: " + host.hostMountsOfGuests());
        } finally {
            assertEquals(0, HostProbe.run("umount", elsewhere.toString()).code());
            Files.delete(elsewhere);
        }
        host.assertNothingLeftOf(A);
        host.start(A);
    }

    @Test
    @Order(7)
    void removingTheLimitKeepsTheFilesAndDeleteLeavesNothing() throws Exception {
        host.stop(A);
        ok(host.cli("vdlimit", "--xid", A, "--remove", host.guestsDir.resolve(A).toString()));
        assertFalse(Files.exists(host.guestsDir.resolve(".private").resolve(A).resolve("disk.img")));
        assertFalse(Files.exists(host.confdir.resolve(A).resolve("dlimits")));
        host.start(A);
        assertEquals("31457280\n", host.sh(A, "stat -c %s /root/keep"));
        host.stop(A);
        host.stop(B);
        ok(host.cli("vserver", A, "delete"));
        assertEquals(List.of(), UnifyChecks.list(host.guestsDir.resolve(".private")));
        assertEquals(List.of(), UnifyChecks.list(host.guestsDir.resolve(".lower")));
    }

    @Test
    @Order(8)
    @RequiresKernel(Feature.BTRFS)
    void onBtrfsAQgroupLimitsTheGuestAndGrowsWhileItRuns() throws Exception {
        try (TestHost bt = new TestHost()) {
            Path img = bt.root.resolve("btrfs.img"), mnt = bt.root.resolve("btrfs");
            Files.createDirectories(mnt);
            try (var f = new RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(1L << 30);
            }
            DebianTree.run(List.of("mkfs.btrfs", "-q", img.toString()));
            DebianTree.run(List.of("mount", "-o", "loop", img.toString(), mnt.toString()));
            try {
                Path base = mnt.resolve("guests");
                Files.createDirectories(base);
                Path link = bt.confdir.resolve(".defaults/vdirbase");
                Files.delete(link);
                Files.createSymbolicLink(link, base);
                bt.build("bq");
                var inodes = bt.cli("vdlimit", "--xid", "bq", "--set", "space_total=64M", "--set", "inodes_total=100");
                assertNotEquals(0, inodes.code());
                assertTrue(inodes.err().contains("btrfs has no inode limits"), inodes.toString());
                assertEquals(0, bt.cli("vdlimit", "--xid", "bq", "--set", "space_total=64M").code());
                bt.start("bq");
                try {
                    var full = bt.cli("vserver", "bq", "exec", "/bin/sh", "-c", "dd if=/dev/zero of=/root/big bs=1M count=100 conv=fsync 2>&1");
                    assertNotEquals(0, full.code(), full.toString());
                    assertTrue(full.out().contains("Disk quota exceeded"), full.toString());
                    bt.sh("bq", "rm /root/big && sync");
                    assertEquals(0, bt.cli("vdlimit", "--xid", "bq", "--set", "space_total=256M").code(), "a live grow");
                    var grown = bt.cli("vserver", "bq", "exec", "/bin/sh", "-c", "dd if=/dev/zero of=/root/big bs=1M count=100 conv=fsync 2>&1");
                    assertEquals(0, grown.code(), "after a live grow:\n" + grown);
                    String status = bt.cli("vserver", "bq", "status").out();
                    assertTrue(status.contains("(btrfs)"), status);
                } finally {
                    bt.stop("bq");
                }
                assertEquals(0, bt.cli("vserver", "bq", "delete").code());
            } finally {
                DebianTree.run(List.of("umount", mnt.toString()));
            }
        }
    }
}
