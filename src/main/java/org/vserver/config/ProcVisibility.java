package org.vserver.config;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;


/**
 * What a guest sees of /proc and /sys: the secure default ({@link ProcMasks}) after the
 * {@code apps/vprocunhide/files} lists of {@code .defaults} and of the guest ({@link ProcUnhide}).
 * Paths are absolute, below /proc or /sys, without a trailing '/'; lists keep their order (the
 * default's first), so a guest without a list gets exactly the default plan.
 *
 * <p>Consistent by construction ({@link ProcUnhide} keeps it so): nothing lies inside a masked
 * directory (its mount point would not exist in the empty tmpfs), a masked path is not read-only
 * or writable, and every writable path lies strictly inside a read-only one (elsewhere the guest
 * can write anyway; only those need a read-write bind).
 *
 * @param maskedFiles hidden behind /dev/null; one that is a directory on the host gets an empty tmpfs instead
 * @param maskedDirs  hidden behind an empty read-only tmpfs
 * @param readOnly    bound onto themselves and remounted read-only (with what lies below them)
 * @param writable    inside a read-only tree, bound onto themselves read-write after it
 * @param views       the host's figures shown as the guest's ({@code cflags} virt_*, {@link ProcView})
 */
public record ProcVisibility(List<String> maskedFiles, List<String> maskedDirs, List<String> readOnly, List<String> writable,
                             Set<ProcView> views) {

    public ProcVisibility {
        maskedFiles = List.copyOf(maskedFiles);
        maskedDirs = List.copyOf(maskedDirs);
        readOnly = List.copyOf(readOnly);
        writable = List.copyOf(writable);
        views = Set.copyOf(views);
    }

    /** With every view on, as a guest without {@code cflags} gets them. */
    public ProcVisibility(List<String> maskedFiles, List<String> maskedDirs, List<String> readOnly, List<String> writable) {
        this(maskedFiles, maskedDirs, readOnly, writable, EnumSet.allOf(ProcView.class));
    }

    /** This visibility with {@code views} instead. */
    public ProcVisibility withViews(Set<ProcView> views) {
        return new ProcVisibility(maskedFiles, maskedDirs, readOnly, writable, views);
    }

    /** What trusted runtimes ship (security.md §2.1, §2.2), and what a guest gets without a list. */
    public static final ProcVisibility SECURE_DEFAULT =
            new ProcVisibility(ProcMasks.MASKED_FILES, ProcMasks.MASKED_DIRS, ProcMasks.READ_ONLY, List.of());

    /** Every masked path, files first. */
    public List<String> masked() {
        return java.util.stream.Stream.concat(maskedFiles.stream(), maskedDirs.stream()).toList();
    }

    /** The read-only path {@code path} lies strictly inside, or null. */
    public String readOnlyTreeOf(String path) {
        for (String r : readOnly) if (isInside(path, r)) return r;
        return null;
    }

    /** True if {@code path} lies strictly below the directory {@code dir}. */
    public static boolean isInside(String path, String dir) {
        return path.startsWith(dir + "/");
    }
}
