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
 * In a user namespace both layers are idmapped to the guest's range, so one store and one lower
 * tree, owned by 0..65535 on disk, serve every guest; overlayfs refuses an idmapped mount of
 * itself, but takes idmapped layers. The overlay is mounted inside the guest's mount namespace
 * and dies with it: a dead guest leaves no overlay behind.
 *
 * <p>A disk image is mounted on the host, before the clone: there, and only there, the host can
 * grow the filesystem while the guest runs (resize2fs names a mounted filesystem by its mount
 * point). The loop device detaches itself when it is unmounted (autoclear).
 */
public final class StoragePlanner {
    private StoragePlanner() {}

    /** The overlay's options that keep the private layer a plain tree: no redirects, index or metacopy xattrs. */
    static final String OVERLAY_OPTIONS = "redirect_dir=off,index=off,metacopy=off";

    /** Host-side steps before the clone: the image on its mount point, the private layer's directories. */
    public static List<Step> beforeClone(GuestStorage storage) {
        if (!(storage instanceof GuestStorage.Layered l)) return List.of();
        List<Step> s = new ArrayList<>();
        if (l.backend() instanceof GuestStorage.LoopImage img)
            s.add(new MountLoop(img.image().toString(), l.layout().layer().toString(), "ext4", Set.of(), null));
        // Modes meant exactly (the plan runs under umask 0); owned by 0, the guest's root through the idmap.
        s.add(new Mkdir(l.layout().upper().toString(), 0755));
        s.add(new Mkdir(l.layout().work().toString(), 0700));
        return s;
    }

    /**
     * The guest's root made a mount point at {@code root}, in its own mount namespace: a plain tree
     * bound onto itself ({@link #plainRoot}), or the overlay.
     */
    static List<Step> root(String root, GuestStorage storage, boolean shifted, Optional<UserNamespace> userns) {
        if (!(storage instanceof GuestStorage.Layered l)) return List.of(plainRoot(root, shifted, userns));
        String lower = l.lower().toString(), layer = l.layout().layer().toString();
        List<Step> s = new ArrayList<>();
        if (userns.isPresent()) {
            s.add(new MountIdmap(lower, lower, UserNamespace.FD, Set.of(RDONLY)));
            s.add(new MountIdmap(layer, layer, UserNamespace.FD, Set.of()));
        }
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
     * mount namespace, without idmapping (on disk, and so to the host, its files carry the ids the
     * guest sees): for a build step that writes into the guest (a clone's hostname). The caller
     * unmounts it.
     */
    public static Plan hostView(GuestStorage.Layered l) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        p.add(new SetUmask(0));
        p.addAll(beforeClone(l));
        p.add(new Mount("overlay", l.root().toString(), "overlay", Set.of(), overlayData(l)));
        p.add(new Exec("true", List.of("true"), SpectatorPlanner.ENV));
        return p.build();
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
