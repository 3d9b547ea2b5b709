package org.vserver.sys;

/**
 * The fields of {@code struct stat} the host-side code looks at.
 *
 * @param blocks 512-byte blocks allocated (a sparse file has fewer than its size needs)
 * @param nlink  hard links to the inode
 */
public record FileStat(long dev, long ino, int mode, int uid, int gid, long size, long blocks, long nlink) {
    /* S_IFMT and the file types, include/uapi/linux/stat.h */
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 060000, S_IFDIR = 040000, S_IFCHR = 020000, S_IFIFO = 010000;

    public boolean isRegular() { return (mode & S_IFMT) == S_IFREG; }

    public boolean isDirectory() { return (mode & S_IFMT) == S_IFDIR; }

    /** "a symbolic link", "a directory", "a character device", ... for messages. */
    public String kind() {
        return switch (mode & S_IFMT) {
            case S_IFREG -> "a regular file";
            case S_IFDIR -> "a directory";
            case S_IFLNK -> "a symbolic link";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            case S_IFIFO -> "a FIFO";
            case S_IFSOCK -> "a socket";
            default -> "a file of type 0" + Integer.toOctalString(mode & S_IFMT);
        };
    }
}
