package org.vserver.context;

import static org.vserver.kernel.MountFlag.*;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.*;
import org.vserver.storage.GuestStorage;

/**
 * The steps that make a guest's root from its storage ({@link GuestStorage}).
 *
 * <p>A layered guest's root is an overlayfs: its lower tree read-only (the files of the
 * content-hash store, one inode shared by every guest), its private layer taking every write.
 * In a user namespace the lower tree is idmapped to the guest's range, so one store and one lower
 * tree, owned by 0..65535 on disk, serve every guest (overlayfs refuses an idmapped mount of
 * itself, but takes idmapped layers). The private layer is not idmapped: overlayfs makes its own
 * directories and copies up with the mounter's credentials (host uid 0), which an idmapped upper
 * would refuse (EOVERFLOW, the overlay then falls back to read-only). Its files carry the guest's
 * host ids, as a shifted guest's do: a setuid file a guest makes there is never the host's root's.
 * The overlay is mounted inside the guest's mount namespace and dies with it.
 *
 * <p>A disk image is mounted on the host ({@link #hostMounts}): there, and only there, the host can
 * grow the filesystem while the guest runs (resize2fs names a mounted filesystem by its mount
 * point). The loop device detaches itself when it is unmounted (autoclear). That is a plan of its
 * own, run just before the start plan: the start plan's launcher is in the guest's cgroups from
 * its first step, and the guest's device policy refuses it /dev/loop-control (EPERM).
 */
public final class StoragePlanner {
    private StoragePlanner() {}

    /** The overlay's options that keep the private layer a plain tree: no redirects, index or metacopy xattrs. */
    static final String OVERLAY_OPTIONS = "redirect_dir=off,index=off,metacopy=off";

    /**
     * Host-side steps before the clone: the private layer's directories (on its image, mounted by
     * {@link #hostMounts}). The upper's root is the guest's root directory: owned by the guest's root.
     */
    public static List<Step> beforeClone(GuestStorage storage, Optional<UserNamespace> userns) {
        if (!(storage instanceof GuestStorage.Layered l)) return List.of();
        List<Step> s = new ArrayList<>();
        // Modes meant exactly (the plan runs under umask 0).
        s.add(new Mkdir(l.layout().upper().toString(), 0755));
        s.add(new Mkdir(l.layout().work().toString(), 0700));
        userns.ifPresent(u -> s.add(new Chown(l.layout().upper().toString(), u.hostUid(0), u.hostGid(0))));
        return s;
    }

    /**
     * A start's host step for a layered guest's disk image (doc/plan-cache.md): its mount on the
     * private layer, journaled; it comes before the start joins the guest's cgroups, whose device
     * policy refuses /dev/loop-control. Nothing for a guest without an image.
     */
    public static List<Step> startHostSteps(GuestStorage storage) {
        if (!(storage instanceof GuestStorage.Layered l) || !(l.backend() instanceof GuestStorage.LoopImage img)) return List.of();
        return List.of(new MountLoopHost(new MountLoop(img.image().toString(), l.layout().layer().toString(), "ext4", Set.of(), null)));
    }

    /**
     * The host-side plan that mounts a layered guest's disk image on its private layer (and makes
     * its directories), or nothing for a guest without one. Run outside the guest's cgroups.
     */
    public static Optional<Plan> hostMounts(GuestStorage storage, Optional<UserNamespace> userns) {
        if (!(storage instanceof GuestStorage.Layered l) || !(l.backend() instanceof GuestStorage.LoopImage img)) return Optional.empty();
        List<Step> s = new ArrayList<>(List.of(new SetUmask(0),
                new MountLoop(img.image().toString(), l.layout().layer().toString(), "ext4", Set.of(), null)));
        s.addAll(beforeClone(l, userns));
        return Optional.of(HostPlan.of(s));
    }

    /**
     * The guest's root made a mount point at {@code root}, in its own mount namespace: a plain tree
     * bound onto itself ({@link #plainRoot}), or the overlay.
     */
    static List<Step> root(String root, GuestStorage storage, boolean shifted, Optional<UserNamespace> userns) {
        if (!(storage instanceof GuestStorage.Layered l)) return List.of(plainRoot(root, shifted, userns));
        String lower = l.lower().toString();
        List<Step> s = new ArrayList<>();
        if (userns.isPresent()) s.add(new MountIdmap(lower, lower, UserNamespace.FD, Set.of(RDONLY)));
        s.add(new Mount("overlay", root, "overlay", Set.of(), overlayData(l)));
        return s;
    }

    /**
     * A plain root onto itself: it must be a mount point for pivot_root. In a user namespace it is
     * idmapped: the tree keeps its owners 0..65535 on disk and the guest sees them as its own ids;
     * nothing is chowned. A guest whose filesystem refuses idmapping had its files shifted once to
     * its range ({@code userns/shifted}): they already carry its host ids, so a plain bind, as for a
     * guest without a user namespace.
     */
    static Step plainRoot(String root, boolean shifted, Optional<UserNamespace> userns) {
        if (userns.isPresent() && !shifted) return new MountIdmap(root, root, UserNamespace.FD, Set.of());
        return new Mount(root, root, null, EnumSet.of(BIND, REC), null);
    }

    /**
     * A host-side plan that mounts a stopped layered guest's merged tree on its root in the host's
     * mount namespace, without idmapping: for a build step that writes into the guest (a clone's
     * hostname). What it writes carries host ids; the caller shifts the private layer to the
     * guest's range afterwards (chxid's walk), and unmounts it.
     */
    public static Plan hostView(GuestStorage.Layered l) {
        List<Step> s = new ArrayList<>(List.of(new SetUmask(0)));
        s.addAll(beforeClone(l, Optional.empty()));
        s.add(new Mount("overlay", l.root().toString(), "overlay", Set.of(), overlayData(l)));
        return HostPlan.of(s);
    }

    static String overlayData(GuestStorage.Layered l) {
        return "lowerdir=" + l.lower() + ",upperdir=" + l.layout().upper() + ",workdir=" + l.layout().work() + "," + OVERLAY_OPTIONS;
    }

    /**
     * overlayfs splits its options at ',' and lower layers at ':', with '\' escaping: a path with
     * one of them would be read as another layer or option. Refused, never escaped.
     */
    public static Optional<String> unusablePath(GuestStorage storage) {
        if (!(storage instanceof GuestStorage.Layered l)) return Optional.empty();
        for (var p : List.of(l.lower(), l.layout().upper(), l.layout().work()))
            if (p.toString().matches(".*[,:\\\\].*")) return Optional.of(p.toString());
        return Optional.empty();
    }
}
