package org.vserver.unify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

/**
 * What must be equal, besides the content, for two files to share an inode: util-vserver hashes
 * mode, uid, gid, rdev, size and mtime with the content, so ownership and permissions are part of
 * a file's identity and linking never changes what {@code ls -l} shows (mtime aside with
 * {@code --ignore-mtime}).
 */
public record FileIdentity(int mode, int uid, int gid, long rdev, long size, long mtimeSeconds, int mtimeNanos) {

    public boolean sameAs(FileIdentity o, boolean ignoreMtime) {
        return mode == o.mode && uid == o.uid && gid == o.gid && rdev == o.rdev && size == o.size
                && (ignoreMtime || (mtimeSeconds == o.mtimeSeconds && mtimeNanos == o.mtimeNanos));
    }

    /** lstat(2) of {@code p}. */
    public static FileIdentity of(Path p) throws IOException { return Inode.of(p).identity(); }

    static FileIdentity of(Map<String, Object> unixAttrs) {
        Instant m = ((FileTime) unixAttrs.get("lastModifiedTime")).toInstant();
        return new FileIdentity((Integer) unixAttrs.get("mode"), (Integer) unixAttrs.get("uid"),
                (Integer) unixAttrs.get("gid"), (Long) unixAttrs.get("rdev"), (Long) unixAttrs.get("size"),
                m.getEpochSecond(), m.getNano());
    }

    /**
     * The inode behind a path: its identity plus where it lives and how many names it has.
     *
     * @param ctime changes with any write or chmod: a file read for hashing is trusted only if it did not move
     * @param atime kept to put a directory's times back after its entries were replaced
     */
    record Inode(long dev, long ino, int nlink, Instant ctime, Instant atime, FileIdentity identity) {
        /** Numbers only: {@code unix:*} includes owner and group names, a passwd lookup (nss, nscd) per file. */
        private static final String ATTRIBUTES =
                "unix:dev,ino,nlink,mode,uid,gid,rdev,size,lastModifiedTime,lastAccessTime,ctime";

        /** lstat(2): never follows a symlink. */
        static Inode of(Path p) throws IOException {
            Map<String, Object> a = Files.readAttributes(p, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            return new Inode((Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("nlink"),
                    ((FileTime) a.get("ctime")).toInstant(), ((FileTime) a.get("lastAccessTime")).toInstant(),
                    FileIdentity.of(a));
        }

        boolean isRegular() { return (identity.mode() & 0170000) == 0100000; }

        boolean isDirectory() { return (identity.mode() & 0170000) == 0040000; }

        Instant mtime() { return Instant.ofEpochSecond(identity.mtimeSeconds(), identity.mtimeNanos()); }

        /** Same inode, untouched: nothing wrote, chmodded or renamed over it in between. */
        boolean unchangedSince(Inode before) {
            return dev == before.dev && ino == before.ino && ctime.equals(before.ctime) && identity.equals(before.identity);
        }
    }
}
