package org.vserver.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * A guest's private layer as a btrfs subvolume with a quota group limit: the btrfs backend, used
 * where the guest directory is on btrfs. A qgroup limits the space the subvolume refers to
 * ({@code referenced}: shared extents count in full); writes past it fail with EDQUOT. btrfs has no
 * inode limit, so a limit's {@code inodes_total} does not apply here.
 *
 * <p>Quota numbers are those of the last committed transaction (btrfs commits every 30 s): a
 * status shortly after a big write lags. Enabling quotas on a filesystem with data starts a rescan,
 * and until it ends the numbers are low. A deleted subvolume's qgroup is dropped by the kernel once
 * the subvolume is cleaned up (until then {@code qgroup show} lists it as {@code <stale>}).
 *
 * @param subvolume the subvolume ({@code VDIRBASE/.private/NAME/layer})
 * @param host      where the {@code btrfs} program is
 */
public record BtrfsVolume(Path subvolume, DiskHost host) {
    /** The inode number of every subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID). */
    private static final long SUBVOLUME_INO = 256;

    /** Whether {@code path} (or, if it does not exist yet, its nearest existing parent) is on btrfs. */
    public static boolean isBtrfs(Path path) throws IOException {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null) return false;
        return Files.getFileStore(p).type().equals("btrfs");
    }

    /** {@code btrfs subvolume create}: its parent directory must exist. */
    public void create() throws IOException {
        host.tool().run("btrfs", "subvolume", "create", subvolume.toString());
    }

    /** {@code btrfs subvolume delete}: the subvolume and every file in it. */
    public void delete() throws IOException {
        requireSubvolume();
        host.tool().run("btrfs", "subvolume", "delete", subvolume.toString());
    }

    /** {@code btrfs quota enable} on the filesystem holding the subvolume's parent; enabling twice is harmless. */
    public void enableQuota() throws IOException {
        Path on = Files.exists(subvolume) ? subvolume : subvolume.toAbsolutePath().getParent();
        host.tool().run("btrfs", "quota", "enable", on.toString());
    }

    /** {@code btrfs qgroup limit BYTES|none}: the subvolume's referenced space; empty removes the limit. */
    public void setLimit(OptionalLong kib) throws IOException {
        requireSubvolume();
        host.tool().run("btrfs", "qgroup", "limit", kib.isPresent() ? Long.toString(kib.getAsLong() * 1024) : "none",
                subvolume.toString());
    }

    /** The subvolume's use and limit, from {@code btrfs qgroup show --raw -r -f}; no inode numbers (btrfs has no inode limit). */
    public Usage usage() throws IOException {
        requireSubvolume();
        String out = host.tool().run("btrfs", "qgroup", "show", "--raw", "-r", "-f", subvolume.toString());
        return usage(subvolume, out);
    }

    static Usage usage(Path subvolume, String output) throws IOException {
        List<QgroupTable.Row> rows;
        try {
            rows = QgroupTable.parse(output).stream().filter(QgroupTable.Row::subvolume).toList();
        } catch (IllegalArgumentException e) {
            throw new IOException("btrfs qgroup show " + subvolume + ": cannot read its table: " + e.getMessage());
        }
        if (rows.size() != 1)
            throw new IOException("btrfs qgroup show " + subvolume + ": expected one subvolume qgroup, got " + rows.size() + ": "
                    + output.strip());
        QgroupTable.Row r = rows.getFirst();
        return new Usage(r.referenced() / 1024, r.maxReferenced().orElse(0) / 1024, 0, 0);
    }

    /**
     * A plain directory is not a subvolume, and btrfs's qgroup commands would act on the subvolume
     * holding it: a limit on the wrong thing. A subvolume's root has inode 256.
     */
    private void requireSubvolume() throws IOException {
        if (!Files.isDirectory(subvolume, LinkOption.NOFOLLOW_LINKS))
            throw new IOException(subvolume + " is missing or not a directory: expected the guest's btrfs subvolume");
        if (!isBtrfs(subvolume) || (long) Files.getAttribute(subvolume, "unix:ino", LinkOption.NOFOLLOW_LINKS) != SUBVOLUME_INO)
            throw new IOException(subvolume + " is not a btrfs subvolume: a limit on a plain directory would limit the subvolume"
                    + " holding it; create it with `btrfs subvolume create`");
    }
}
