package org.vserver.disk;

import java.util.Locale;

/**
 * What a storage backend says about one guest's private layer. Totals of 0 mean "no limit" (or, for
 * inodes, "not counted": btrfs has no inode limit, and then {@code inodesUsed} is 0 too).
 *
 * @param spaceUsedKib  space in use, KiB; on ext4 without the filesystem's own metadata, as df shows it
 * @param spaceTotalKib the space the guest can fill, KiB; 0 = no limit
 * @param inodesUsed    inodes in use
 * @param inodesTotal   inodes there are; 0 = no limit
 */
public record Usage(long spaceUsedKib, long spaceTotalKib, long inodesUsed, long inodesTotal) {

    /** For status lines: {@code 812 MiB of 1 GiB, 12034 of 65536 inodes}; the parts without a limit or count left out. */
    public String format() {
        String s = size(spaceUsedKib) + (spaceTotalKib > 0 ? " of " + size(spaceTotalKib) : "");
        if (inodesTotal > 0) return s + ", " + inodesUsed + " of " + inodesTotal + " inodes";
        return inodesUsed > 0 ? s + ", " + inodesUsed + " inodes" : s;
    }

    @Override
    public String toString() { return format(); }

    /** KiB as the largest binary unit that gives at least 1: {@code 812 MiB}, {@code 1.5 GiB}, {@code 0 KiB}. */
    public static String size(long kib) {
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        double v = kib;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        // one decimal below 10 units, where it says something (1.5 GiB); whole numbers above
        if (v >= 10 || v == Math.rint(v)) return Math.round(v) + " " + units[u];
        String d = String.format(Locale.ROOT, "%.1f", v);
        return (d.endsWith(".0") ? d.substring(0, d.length() - 2) : d) + " " + units[u];
    }
}
