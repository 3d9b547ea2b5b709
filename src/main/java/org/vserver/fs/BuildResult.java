package org.vserver.fs;

import java.util.List;

/**
 * What a build leaves for the caller to write into the guest's configuration directory.
 *
 * @param fstab        lines for {@code /etc/vservers/NAME/fstab}, in mount order; empty = the method has no
 *                     opinion and the caller decides ({@link CloneMethod}: copy the source guest's fstab,
 *                     or {@link #DEFAULT_FSTAB} for a plain directory)
 * @param initStyle    the default {@code apps/init/style} for this rootfs: "sysv" (an /etc/init.d/rc to
 *                     run) or "plain" (the rootfs's own /sbin/init)
 * @param distribution what the rootfs is, for messages and later package tools: "host", "debian",
 *                     a suite name, or "unknown"
 */
public record BuildResult(List<String> fstab, String initStyle, String distribution) {

    /**
     * util-vserver's packaged {@code .defaults/fstab} (reference §2.2). The launcher mounts /proc,
     * /dev and /dev/pts on its own; these lines keep the util-vserver file format and the /tmp size.
     */
    public static final List<String> DEFAULT_FSTAB = List.of(
            "none /proc proc defaults 0 0",
            "none /tmp tmpfs size=16m,mode=1777 0 0",
            "none /dev/pts devpts gid=5,mode=620 0 0");

    public BuildResult {
        fstab = fstab == null ? List.of() : List.copyOf(fstab);
    }
}
