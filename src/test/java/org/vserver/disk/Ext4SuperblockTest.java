package org.vserver.disk;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ext4SuperblockTest {
    @TempDir Path tmp;

    @Test void aFreshImage() throws Exception {
        Path img = tmp.resolve("a.img");
        new LoopImage(img, Images.host(tmp)).create(64 * 1024, OptionalLong.of(4096), 5);
        Ext4Superblock sb = Ext4Superblock.read(img);
        assertEquals(4096, sb.blockSize());
        assertEquals(16384, sb.blocks());
        assertEquals(819, sb.reservedBlocks());    // 5% of 16384
        assertEquals(4096, sb.inodes());
        assertEquals(11, sb.usedInodes());          // the reserved inodes 1..10 and lost+found
        assertTrue(sb.is64bit());
        assertTrue(sb.clean());
        assertFalse(sb.hasErrors());
        assertEquals(64 * 1024, sb.sizeKib());
        assertEquals(Files.size(img), sb.sizeBytes());
        // an empty filesystem: only lost+found and the root directory hold blocks
        assertTrue(sb.usedKib() < 64, "used " + sb.usedKib());
        assertEquals(new Usage(sb.usedKib(), sb.totalKib(), 11, 4096), sb.usage());
        assertEquals(4096, sb.inodesAfterResize(100 * 1024));       // still one group of 128 MiB
        assertEquals(8192, sb.inodesAfterResize(200 * 1024));       // two groups
    }

    /** resize2fs clears s_overhead_clusters: the computed overhead must be what mkfs recorded. */
    @Test void computedOverheadIsMkfsOwn() throws Exception {
        for (long mib : new long[] {16, 64, 200, 1024, 5000}) {
            Path img = tmp.resolve(mib + ".img");
            new LoopImage(img, Images.host(tmp)).create(mib * 1024, OptionalLong.empty(), 5);
            ByteBuffer b = superblock(img);
            long recorded = Integer.toUnsignedLong(b.getInt(0x248));
            assertTrue(recorded > 0, "mkfs records the overhead");
            b.putInt(0x248, 0);
            assertEquals(recorded, Ext4Superblock.parse(img, b).overheadBlocks(), mib + " MiB");
            Files.delete(img);
        }
    }

    @Test void garbageIsNotExt4() throws Exception {
        Path img = Files.write(tmp.resolve("junk.img"), new byte[4096]);
        var e = assertThrows(IOException.class, () -> Ext4Superblock.read(img));
        assertEquals("image " + img + ": not an ext4 filesystem (bad magic): restore it or remove the limit", e.getMessage());
        Path small = Files.write(tmp.resolve("small.img"), new byte[100]);
        e = assertThrows(IOException.class, () -> Ext4Superblock.read(small));
        assertEquals("image " + small + ": not an ext4 filesystem (too short for a superblock): restore it or remove the limit",
                e.getMessage());
    }

    @Test void stateBits() throws Exception {
        Path img = tmp.resolve("s.img");
        new LoopImage(img, Images.host(tmp)).create(16 * 1024, OptionalLong.empty(), 5);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(1024 + 0x3A);
            f.write(new byte[] {Ext4Superblock.STATE_VALID | Ext4Superblock.STATE_ERRORS, 0});
        }
        Ext4Superblock sb = Ext4Superblock.read(img);
        assertTrue(sb.hasErrors());
        assertFalse(sb.clean());
    }

    static ByteBuffer superblock(Path img) throws IOException {
        byte[] all = new byte[2048];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.readFully(all);
        }
        return ByteBuffer.wrap(all, 1024, 1024).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
