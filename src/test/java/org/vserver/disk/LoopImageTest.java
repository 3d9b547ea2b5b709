package org.vserver.disk;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;

class LoopImageTest {
    @TempDir Path tmp;

    private LoopImage image(String name) throws IOException { return new LoopImage(tmp.resolve(name), Images.host(tmp)); }

    @Test void createMakesASparseImageOfTheLimit() throws Exception {
        LoopImage img = image("p/disk.img");
        img.create(32 * 1024 + 3, OptionalLong.of(2000), 0);     // rounded down to whole 4 KiB blocks
        assertEquals(32L * 1024 * 1024, Files.size(img.image()));
        long allocatedKib = Images.allocatedKib(img.image());
        assertTrue(allocatedKib < 2 * 1024, "sparse: " + allocatedKib + " KiB allocated");
        Ext4Superblock sb = img.check();
        assertEquals(0, sb.reservedBlocks());
        assertTrue(sb.inodes() >= 2000 && sb.inodes() < 2200, "inodes " + sb.inodes());
        Usage u = img.usage();
        assertEquals(sb.totalKib(), u.spaceTotalKib());
        assertEquals(11, u.inodesUsed());
    }

    @Test void createRefusesTooSmallAndExisting() throws Exception {
        LoopImage img = image("disk.img");
        var e = assertThrows(IOException.class, () -> img.create(8 * 1024, OptionalLong.empty(), 5));
        assertEquals("image " + img.image() + ": a space limit of 8192 KiB is below the smallest ext4 image, 16384 KiB (16 MiB):"
                + " set the limit to 16384 or more", e.getMessage());
        assertFalse(Files.exists(img.image()));
        Files.writeString(img.image(), "precious");
        e = assertThrows(IOException.class, () -> img.create(16 * 1024, OptionalLong.empty(), 5));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("precious", Files.readString(img.image()));
    }

    @Test void aFailedMkfsLeavesNoImage() throws Exception {
        LoopImage img = image("disk.img");
        var e = assertThrows(IOException.class, () -> img.create(16 * 1024, OptionalLong.of(1L << 40), 5));
        assertTrue(e.getMessage().startsWith("image " + img.image() + ": `mkfs.ext4 -q -F"), e.getMessage());
        assertTrue(e.getMessage().contains("failed with exit code"), e.getMessage());
        assertFalse(Files.exists(img.image()));
    }

    @Test void growAndShrinkOffline() throws Exception {
        LoopImage img = image("disk.img");
        img.create(64 * 1024, OptionalLong.empty(), 5);
        img.growOffline(200 * 1024);
        assertEquals(200L * 1024 * 1024, Files.size(img.image()));
        Ext4Superblock sb = img.check();
        assertEquals(200 * 1024, sb.sizeKib());
        assertEquals(0, sb.usedKib() / 1024, "still empty after the grow: " + sb.usage());
        img.shrinkOffline(32 * 1024);
        assertEquals(32L * 1024 * 1024, Files.size(img.image()));
        assertEquals(32 * 1024, img.check().sizeKib());
    }

    @Test void shrinkBelowUseIsRefusedBeforeAnythingMoves() throws Exception {
        Path content = Files.createDirectories(tmp.resolve("content"));
        byte[] data = new byte[20 << 20];
        new Random(1).nextBytes(data);    // random: nothing for a filesystem to compress or share
        Files.write(content.resolve("big"), data);
        LoopImage img = image("disk.img");
        img.create(64 * 1024, OptionalLong.empty(), 5, Optional.of(content));
        Usage before = img.usage();
        assertTrue(before.spaceUsedKib() >= 20 * 1024, before.toString());

        var e = assertThrows(IOException.class, () -> img.shrinkOffline(20 * 1024));
        assertTrue(e.getMessage().matches(before.spaceUsedKib() + " KiB in use: the smallest limit now is \\d+ KiB .*"), e.getMessage());
        long smallest = Long.parseLong(e.getMessage().replaceAll(".*smallest limit now is (\\d+) KiB.*", "$1"));
        assertTrue(smallest > 20 * 1024 && smallest % 1024 == 0, "smallest " + smallest);
        assertEquals(64L * 1024 * 1024, Files.size(img.image()));
        assertEquals(before, img.check().usage());

        img.shrinkOffline(smallest);    // the size it named is one that works
        assertEquals(smallest, img.check().sizeKib());
        assertEquals(before.spaceUsedKib(), img.usage().spaceUsedKib());
    }

    @Test void checkSaysWhatIsWrong() throws Exception {
        LoopImage img = image("disk.img");
        var e = assertThrows(IOException.class, img::check);
        assertTrue(e.getMessage().startsWith("image " + img.image() + " is missing"), e.getMessage());

        img.create(16 * 1024, OptionalLong.empty(), 5);
        try (RandomAccessFile f = new RandomAccessFile(img.image().toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        e = assertThrows(IOException.class, img::check);
        assertEquals("image " + img.image() + " is 8192 KiB, but its filesystem spans 16384 KiB: the file was truncated;"
                + " restore it from a backup", e.getMessage());
        try (RandomAccessFile f = new RandomAccessFile(img.image().toFile(), "rw")) {
            f.setLength(20L << 20);
        }
        e = assertThrows(IOException.class, img::check);
        assertTrue(e.getMessage().endsWith("(an interrupted resize?): finish it with `resize2fs " + img.image() + "`"), e.getMessage());
        try (RandomAccessFile f = new RandomAccessFile(img.image().toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        // "not clean": as while mounted, or after a crash (debugfs keeps the superblock's checksum right)
        new Tool(img.host().path()).run("debugfs", "-w", "-R", "ssv state 0", img.image().toString());
        e = assertThrows(IOException.class, img::check);
        assertTrue(e.getMessage().contains("was not cleanly unmounted") && e.getMessage().contains("e2fsck -f -y"), e.getMessage());
        img.repair();
        img.check();

        Path link = tmp.resolve("link.img");
        Files.createSymbolicLink(link, img.image());
        e = assertThrows(IOException.class, new LoopImage(link, img.host())::check);
        assertTrue(e.getMessage().contains("is not a regular file but a symbolic link"), e.getMessage());
    }

    @Test void loopDeviceFromSysfs() throws Exception {
        LoopImage img = image("disk.img");
        img.create(16 * 1024, OptionalLong.empty(), 5);
        Path sys = img.host().sysfs();
        assertEquals(Optional.empty(), img.loopDevice());
        Files.createDirectories(sys.resolve("block/loop0"));                              // not attached: no loop/ dir
        Files.createDirectories(sys.resolve("block/loop1/loop"));
        Files.writeString(sys.resolve("block/loop1/loop/backing_file"), img.image() + " (deleted)\n");
        Files.createDirectories(sys.resolve("block/vda"));
        assertEquals(Optional.empty(), img.loopDevice());
        Files.createDirectories(sys.resolve("block/loop7/loop"));
        Files.writeString(sys.resolve("block/loop7/loop/backing_file"), img.image().toRealPath() + "\n");
        assertEquals(Optional.of(Path.of("/dev/loop7")), img.loopDevice());
        assertEquals(Optional.of(Path.of("/dev/loop7")), LoopImage.loopDeviceOf(sys, tmp.resolve("x/../disk.img")));

        // offline work on an attached image would corrupt the mounted filesystem
        var e = assertThrows(IOException.class, () -> img.growOffline(32 * 1024));
        assertEquals("cannot grow image " + img.image() + ": it is attached to /dev/loop7 (its guest runs?): stop the guest first",
                e.getMessage());
        assertEquals(16L << 20, Files.size(img.image()));
    }

    @Test void onlineResizeNeedsCapSysResource() throws Exception {
        assertTrue(LoopImage.hasEffective("Name:\tjava\nCapEff:\t000001ffffffffff\n", LoopImage.CAP_SYS_RESOURCE));
        assertFalse(LoopImage.hasEffective("CapPrm:\t000001ffffffffff\nCapEff:\t000001fffeffffff\n", LoopImage.CAP_SYS_RESOURCE));
        assertFalse(LoopImage.hasEffective("CapEff:\t0000000000000000\n", LoopImage.CAP_SYS_RESOURCE));

        Path proc = Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(proc.resolve("status"), "CapEff:\t000001fffeffffff\n");
        LoopImage img = new LoopImage(tmp.resolve("disk.img"), new DiskHost(Images.host(tmp).path(), tmp.resolve("sys"),
                new ProcFs(tmp.resolve("proc"))));
        img.create(16 * 1024, OptionalLong.empty(), 5);
        var e = assertThrows(IOException.class, () -> img.growOnline(Path.of("/dev/loop9"), 32 * 1024));
        assertEquals(LoopImage.ONLINE_RESIZE_REFUSED, e.getMessage());
        assertEquals(16L << 20, Files.size(img.image()), "refused before the file changed");
    }

    @Test void usageOfAMountedFilesystemFromStatfs() throws Exception {
        Usage u = LoopImage.usageOfMounted(new LinuxSyscalls(), tmp);
        assertTrue(u.spaceTotalKib() > 0 && u.spaceUsedKib() <= u.spaceTotalKib(), u.toString());
    }
}
