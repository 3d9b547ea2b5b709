package org.vserver.context;

import static org.vserver.kernel.MountFlag.PRIVATE;
import static org.vserver.kernel.MountFlag.REC;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step.*;
import org.vserver.sys.Errno;

/**
 * Does the filesystem of a guest's root take an idmapped mount? Some refuse (overlayfs itself,
 * NFS, some FUSE): such a guest's files are shifted once to its range instead (userns/shifted,
 * doc/userns.md). The question is asked the only sure way, by trying: a plan the launcher runs in a
 * mount namespace of its own, which dies with it, so nothing stays mounted whatever happens.
 * Java neither forks nor unshares itself (ARCHITECTURE §1).
 */
public final class IdmapProbe {
    private IdmapProbe() {}

    /** The index of the {@link MountIdmap} step in {@link #plan}: only its failure is an answer. */
    public static final int IDMAP_STEP = 4;

    /**
     * Unshare a mount namespace, make it private (nothing propagates to the host), create the
     * guest's user namespace (no namespace of its own: nothing but the maps matters), mount
     * {@code root} idmapped onto itself, exit 0 through {@code true}.
     */
    public static Plan plan(String root, UserNamespace userns) {
        return HostPlan.of(List.of(new Unshare(Set.of(Namespace.MNT)), new Mount(null, "/", null, EnumSet.of(REC, PRIVATE), null),
                userns.create(Set.of()), new MountIdmap(root, root, UserNamespace.FD, Set.of())));
    }

    /**
     * Whether the probe failing at {@code step} with {@code errno} means the filesystem refuses
     * idmapping, rather than that something is wrong (a missing root, a launcher without the
     * syscalls, no privilege: the start would fail as well, and shifting would hide it).
     * mount_setattr(2) answers EINVAL for a filesystem without idmapping support (or a submount on
     * one: the tree is idmapped recursively), EPERM for one whose superblock belongs to another user
     * namespace (a FUSE or overlay mounted by a container); EOPNOTSUPP is taken too for filesystems
     * that say so.
     */
    public static boolean refused(int step, int errno) {
        return step == IDMAP_STEP && (errno == Errno.EINVAL || errno == Errno.EPERM || errno == Errno.EOPNOTSUPP);
    }
}
