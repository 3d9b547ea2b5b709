package org.vserver.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The ext4 superblock of an image file (1024 bytes at offset 1024, little endian; the layout of
 * {@code struct ext4_super_block}, fs/ext4/ext4.h): read without mounting, so an unmounted guest's
 * use can be shown and a resize can be judged.
 *
 * <p><b>The free counts are exact only after a clean unmount</b> ({@link #clean()}): while the
 * filesystem is mounted, the kernel keeps them in per-CPU counters and writes them back only now and
 * then; after a crash they are stale until e2fsck (or the next mount) recounts them. A mounted
 * filesystem's use comes from statfs instead ({@link LoopImage#usageOfMounted}).
 *
 * @param blockSize      bytes per block (1024 &lt;&lt; s_log_block_size)
 * @param blocks         s_blocks_count (lo + hi with the 64bit feature)
 * @param reservedBlocks s_r_blocks_count: the root reserve
 * @param freeBlocks     s_free_blocks_count
 * @param inodes         s_inodes_count
 * @param freeInodes     s_free_inodes_count
 * @param state          s_state: {@link #STATE_VALID} after a clean unmount, {@link #STATE_ERRORS} once errors were seen
 * @param is64bit        the 64bit feature (INCOMPAT_64BIT): block counts have a high half
 * @param overheadBlocks the filesystem's own blocks (superblocks, group descriptors, bitmaps, inode
 *                       tables, journal): s_overhead_clusters where mkfs recorded it, else computed
 *                       as the kernel does (resize2fs clears the recorded value)
 * @param inodesPerGroup s_inodes_per_group: inodes come in groups, so a resize changes their count
 * @param blocksPerGroup s_blocks_per_group
 */
public record Ext4Superblock(int blockSize, long blocks, long reservedBlocks, long freeBlocks, long inodes, long freeInodes,
                             int state, boolean is64bit, long overheadBlocks, long inodesPerGroup, long blocksPerGroup) {
    public static final int MAGIC = 0xEF53;
    public static final int STATE_VALID = 1, STATE_ERRORS = 2;
    private static final int OFFSET = 1024, SIZE = 1024;
    private static final int COMPAT_HAS_JOURNAL = 0x4, INCOMPAT_64BIT = 0x80, RO_COMPAT_SPARSE_SUPER = 0x1;
    private static final int JNL_BACKUP_BLOCKS = 1;

    /**
     * Reads the superblock of {@code image}.
     *
     * @throws IOException if the file cannot be read or holds no ext4 filesystem (the message names the image)
     */
    public static Ext4Superblock read(Path image) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            while (b.hasRemaining())
                if (ch.read(b, OFFSET + b.position()) < 0) throw new EOFException();
        } catch (EOFException e) {
            throw notExt4(image, "too short for a superblock");
        }
        return parse(image, b);
    }

    static Ext4Superblock parse(Path image, ByteBuffer b) throws IOException {
        if (u16(b, 0x38) != MAGIC) throw notExt4(image, "bad magic");
        long logBlock = u32(b, 0x18);
        if (logBlock > 6) throw notExt4(image, "block size 1024 << " + logBlock);
        int bs = 1024 << logBlock;
        int compat = (int) u32(b, 0x5C), incompat = (int) u32(b, 0x60), roCompat = (int) u32(b, 0x64);
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        long blocks = u32(b, 0x04), reserved = u32(b, 0x08), free = u32(b, 0x0C);
        if (is64) {
            blocks |= u32(b, 0x150) << 32;
            reserved |= u32(b, 0x154) << 32;
            free |= u32(b, 0x158) << 32;
        }
        long blocksPerGroup = u32(b, 0x20), inodesPerGroup = u32(b, 0x28);
        if (blocksPerGroup == 0 || inodesPerGroup == 0) throw notExt4(image, "no blocks or inodes per group");
        long overhead = u32(b, 0x248);
        if (overhead == 0) overhead = computedOverhead(b, bs, blocks, blocksPerGroup, inodesPerGroup, compat, roCompat, is64);
        return new Ext4Superblock(bs, blocks, reserved, free, u32(b, 0x00), u32(b, 0x10), u16(b, 0x3A), is64, overhead,
                inodesPerGroup, blocksPerGroup);
    }

    /**
     * The overhead as ext4_calculate_overhead() counts it: the first data block, in every group its
     * two bitmaps and its inode table, in each group holding a superblock copy (0, 1 and the powers
     * of 3, 5, 7 with sparse_super) the superblock, the group descriptors and the reserved GDT
     * blocks, and the journal (its size is backed up in s_jnl_blocks). Layouts mkfs does not make
     * by default (meta_bg, sparse_super2) come out approximate.
     */
    private static long computedOverhead(ByteBuffer b, int bs, long blocks, long blocksPerGroup, long inodesPerGroup,
                                         int compat, int roCompat, boolean is64) {
        long first = u32(b, 0x14);
        long groups = ceil(blocks - first, blocksPerGroup);
        int descSize = is64 && u16(b, 0xFE) > 0 ? u16(b, 0xFE) : 32;
        int inodeSize = u32(b, 0x4C) == 0 ? 128 : u16(b, 0x58);
        long gdt = ceil(groups * descSize, bs);
        long withSuper = 0;
        for (long g = 0; g < groups; g++)
            if ((roCompat & RO_COMPAT_SPARSE_SUPER) == 0 || hasSuper(g)) withSuper++;
        long overhead = first + withSuper * (1 + gdt + u16(b, 0xCE)) + groups * (2 + ceil(inodesPerGroup * inodeSize, bs));
        if ((compat & COMPAT_HAS_JOURNAL) != 0 && u32(b, 0xE0) != 0 && (b.get(0xFD) & 0xff) == JNL_BACKUP_BLOCKS)
            overhead += ((u32(b, 0x10C + 15 * 4) << 32) | u32(b, 0x10C + 16 * 4)) / bs;
        return overhead;
    }

    /** sparse_super: groups 0 and 1 and the powers of 3, 5 and 7 hold superblock copies. */
    private static boolean hasSuper(long g) {
        if (g <= 1) return true;
        for (long base : new long[] {3, 5, 7}) {
            long p = base;
            while (p < g) p *= base;
            if (p == g) return true;
        }
        return false;
    }

    /** Unmounted cleanly, no errors seen: the free counts are exact. */
    public boolean clean() { return (state & STATE_VALID) != 0 && (state & STATE_ERRORS) == 0; }

    /** Errors were seen (by the kernel or e2fsck) and not yet repaired. */
    public boolean hasErrors() { return (state & STATE_ERRORS) != 0; }

    /** The bytes the filesystem spans: an image file shorter than this is truncated. */
    public long sizeBytes() { return blocks * blockSize; }

    /** All blocks, metadata included: the image size, in KiB. */
    public long sizeKib() { return blocks * (blockSize / 1024); }

    /** The space for files, KiB: all blocks but the filesystem's own (what df shows as the size). */
    public long totalKib() { return (blocks - overheadBlocks) * (blockSize / 1024); }

    /** Space in use by files, KiB, as df counts it (the metadata overhead left out). */
    public long usedKib() { return Math.max(0, blocks - freeBlocks - overheadBlocks) * (blockSize / 1024); }

    /** Inodes in use (the 11 reserved ones and lost+found included, as df counts them). */
    public long usedInodes() { return inodes - freeInodes; }

    /** The use as a status line shows it. */
    public Usage usage() { return new Usage(usedKib(), totalKib(), usedInodes(), inodes); }

    /**
     * How many inodes the filesystem has after resize2fs makes it {@code kib} KiB: ext4 cannot
     * change its inode count on its own, only by whole groups, so it scales with the size
     * ({@link #inodesPerGroup} per started group of {@link #blocksPerGroup} blocks, 128 MiB with
     * 4 KiB blocks). A limit's {@code inodes_total} therefore applies as given only at creation.
     */
    public long inodesAfterResize(long kib) {
        long newBlocks = kib / (blockSize / 1024);
        return ceil(newBlocks, blocksPerGroup) * inodesPerGroup;
    }

    private static IOException notExt4(Path image, String why) {
        return new IOException("image " + image + ": not an ext4 filesystem (" + why + "): restore it or remove the limit");
    }

    private static long ceil(long a, long b) { return (a + b - 1) / b; }

    private static int u16(ByteBuffer b, int off) { return Short.toUnsignedInt(b.getShort(off)); }

    private static long u32(ByteBuffer b, int off) { return Integer.toUnsignedLong(b.getInt(off)); }
}
