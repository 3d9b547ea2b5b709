package org.vserver.sys;

/**
 * The fields of {@code struct statfs} (statfs(2)) that df shows. Block counts are in units of
 * {@code blockSize}: the fragment size {@code f_frsize} where the kernel sets it, else {@code f_bsize}.
 *
 * @param type   {@code f_type}, the filesystem's magic (e.g. {@link #BTRFS_MAGIC})
 * @param blocks total data blocks: on ext4 without the filesystem's own metadata (the journal, inode tables)
 * @param free   free blocks, the root reserve included
 * @param avail  free blocks for unprivileged users
 * @param files  total inodes (0 where the filesystem has no fixed number, e.g. btrfs)
 * @param ffree  free inodes
 */
public record StatFs(long type, long blockSize, long blocks, long free, long avail, long files, long ffree) {
    /* include/uapi/linux/magic.h */
    public static final long BTRFS_MAGIC = 0x9123683EL, EXT4_MAGIC = 0xEF53L;
}
