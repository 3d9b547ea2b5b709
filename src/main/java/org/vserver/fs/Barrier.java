package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * VServer's chroot barrier, host side: no host user but root may reach a guest's tree.
 *
 * <p>Why: guest root is the host's uid 0 (no user namespace yet), so a file it makes setuid root
 * is setuid root for the host too. {@code cp /usr/bin/id /x; chmod 4755 /x} in a guest, then
 * {@code VDIRBASE/GUEST/x} run by the host's {@code nobody}, gave euid 0. The same path gives host
 * users the guest's readable files (its shadow to a host member of gid 42) and its world-writable
 * directories. VServer's answer, kept here: the directory that holds the guest roots (vdirbase)
 * has mode 000, and no host user gets past it.
 *
 * <p>The rule ("reachable"): a guest root is reachable by host users unless some directory on
 * the path from {@code /} down to (not including) the guest root, after symlinks are resolved, is
 * a <em>barrier</em>: owned by root, and without search (x) permission for group and for others.
 * <ul>
 *   <li>owned by root: the owner of a directory may chmod it, so a directory owned by anyone
 *       else opens whenever that user wants;</li>
 *   <li>no x for group: any member of its group would pass; the owner's bits do not matter,
 *       root passes every mode anyway (CAP_DAC_OVERRIDE);</li>
 *   <li>POSIX ACLs are covered too: with an ACL the group bits are its mask, which caps every
 *       named user and group entry;</li>
 *   <li>not the guest root itself: it is the guest's {@code /}, which its own users must search
 *       (the kernel checks x on the root directory too), so it stays 0755.</li>
 * </ul>
 * What the rule cannot see: another route to the same files (a bind mount of the tree elsewhere
 * on the host, an NFS export); keep guest trees out of those.
 *
 * <p>{@code nosuid} on the host side would be a second layer, but the flag belongs to a mount: the
 * host would need a permanent mount over vdirbase, and the guest's mount namespace, copied from
 * the host's, would inherit it. Without a user namespace the launcher could still clear it on the
 * guest's own bind of its root (the flag is locked only for a less privileged mount namespace),
 * but that is a host mount vserver would have to own and undo; the barrier alone keeps host users
 * away from every file of the tree, not only from setuid ones.
 */
public final class Barrier {
    private Barrier() {}

    /** The mode vserver gives a vdirbase it creates: only root passes (VServer's {@code /vservers}, 000). */
    public static final String MODE = "---------";

    /** True for a directory that keeps every host user but root from looking it up. */
    static boolean isBarrier(int uid, int mode) { return isBarrier(uid, mode, 0); }

    /** The same with {@code root} for the uid that passes (tests use their own). */
    static boolean isBarrier(int uid, int mode, int root) { return uid == root && (mode & 0011) == 0; }

    /**
     * Creates {@code vdirbase} if missing: its parents with the usual 0755, itself with mode 000.
     * An existing directory is left as it is ({@link #check} judges it).
     */
    public static void create(Path vdirbase) throws IOException {
        if (Files.isDirectory(vdirbase)) return;
        Path parent = vdirbase.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        try {
            Files.createDirectory(vdirbase, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(MODE)));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return;                                               // another build made it; check() decides
        }
        Files.setPosixFilePermissions(vdirbase, PosixFilePermissions.fromString(MODE));   // whatever the umask said
    }

    /**
     * Refuses a guest root that host users can reach.
     *
     * @param guestRoot the guest's vdir; if it does not exist yet (build), its parent must
     * @param vdirbase  where guest roots live by default: a guest root elsewhere (a {@code vdir}
     *                  link) is told to move there rather than to close a directory shared with other things
     * @throws IOException naming the path, why, and the chmod that closes it
     */
    public static void check(Path guestRoot, Path vdirbase) throws IOException {
        Optional<String> problem = problem(guestRoot, vdirbase);
        if (problem.isPresent()) throw new IOException(problem.get());
    }

    /** The refusal {@link #check} would throw, or empty if a barrier stands above {@code guestRoot}. */
    public static Optional<String> problem(Path guestRoot, Path vdirbase) throws IOException {
        return problem(guestRoot, vdirbase, 0);
    }

    static Optional<String> problem(Path guestRoot, Path vdirbase, int root) throws IOException {
        // a guest root about to be built does not exist yet: judge the directory it will be made in
        Path real = Files.exists(guestRoot) ? guestRoot.toRealPath()
                : guestRoot.toAbsolutePath().getParent().toRealPath().resolve(guestRoot.getFileName());
        List<Path> above = new ArrayList<>();
        for (Path p = real.getParent(); p != null; p = p.getParent()) above.addFirst(p);
        for (Path dir : above) {
            int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (isBarrier(uid, mode, root)) return Optional.empty();
        }
        Path parent = real.getParent();
        int owner = (Integer) Files.getAttribute(parent, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        String fix = (owner == root ? "" : "chown root " + parent + " && ") + "chmod 000 " + parent;
        boolean inBase = Files.isDirectory(vdirbase) && parent.equals(vdirbase.toRealPath());
        String what = "guest root " + guestRoot + (real.equals(guestRoot) ? "" : " (" + real + ")")
                + " is reachable by every host user: no directory above it is closed (owned by root, no search"
                + " permission for group and others), so a host user could run the guest's setuid files as root"
                + " and read its files; ";
        return Optional.of(what + (inBase
                ? "run `" + fix + "` (VServer's barrier; root and the guests are not affected)"
                : "move the guest root into a directory of mode 000 such as vdirbase " + vdirbase + ", or, if nothing else"
                        + " lives in " + parent + ", run `" + fix + "`"));
    }
}
