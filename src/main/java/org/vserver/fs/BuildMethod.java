package org.vserver.fs;

/**
 * One way to fill a guest's root directory: util-vserver's {@code vserver NAME build -m METHOD}
 * (reference §7.2). A method is parsed from the words after {@code --} by
 * {@link BuildMethods#parse}, then run once; it writes only below {@link BuildRequest#vdir()}
 * (and {@link SkeletonMethod}'s command, which is the caller's own) and never starts the guest.
 * Mounts the rootfs needs at start (the host's /usr for {@link HostMethod}) come back as fstab
 * lines in the {@link BuildResult}: the launcher mounts them, the build does not.
 */
public sealed interface BuildMethod
        permits HostMethod, SkeletonMethod, TemplateMethod, CloneMethod, DebootstrapMethod {

    /** The name given to {@code -m}, e.g. "host". */
    String name();

    /** Fills {@code req.vdir()} (creating it) and says how to start what it built. */
    BuildResult build(BuildRequest req) throws BuildException;
}
