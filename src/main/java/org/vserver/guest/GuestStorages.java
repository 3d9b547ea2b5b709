package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.config.UsernsFiles;
import org.vserver.context.HostPlan;
import org.vserver.context.StoragePlanner;
import org.vserver.context.UserNamespace;
import org.vserver.plan.Step.MountLoop;
import org.vserver.plan.Step.SetUmask;
import org.vserver.plan.Step.Umount;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.Layering;
import org.vserver.storage.MountPoints;
import org.vserver.storage.StorageLayout;

/** A guest's storage as start, stop and the storage tools see it: read, checked, and its host mount undone. */
final class GuestStorages {
    private final Vserver vs;

    GuestStorages(Vserver vs) { this.vs = vs; }

    static StorageLayout layout(GuestConfig cfg) { return StorageLayout.of(cfg.vdir()); }

    /**
     * The guest's storage, refused with what to do when it cannot start: a layered guest with
     * shifted files, a path overlayfs cannot take, a missing lower tree.
     */
    GuestStorage checked(GuestConfig cfg) throws IOException, ConfigException {
        GuestStorage s = Layering.read(layout(cfg));
        if (!(s instanceof GuestStorage.Layered)) return s;
        if (cfg.userns().shifted())
            throw new ConfigException(cfg.cfgdir().resolve(UsernsFiles.SHIFTED), "guest '" + cfg.name()
                    + "' is layered (unified or disk-limited), but its files were shifted to its id range: its lower"
                    + " tree must keep ids 0..65535 to be shared; its filesystem refuses idmapped mounts, so it cannot be layered");
        try (var entries = Files.list(s.root())) {
            if (entries.findAny().isPresent())
                throw new IOException("guest root " + s.root() + " is the mount point of guest '" + cfg.name() + "''s overlay, but"
                        + " holds files (copied there while it was stopped?): the overlay would hide them; move them out, and into"
                        + " the guest while it runs");
        }
        var bad = StoragePlanner.unusablePath(s);
        if (bad.isPresent())
            throw new IOException("storage path " + bad.get() + " contains ',', ':' or '\\', which overlayfs reads as"
                    + " separators: move the vdirbase to a path without them");
        return s;
    }

    /**
     * {@link #checked}, and ready to start: its disk limit's backend checked (a missing or corrupt
     * image refused) and brought to the configured size. Called for a stopped guest under its
     * lock: a private layer still mounted from a guest that died is unmounted first (a second
     * mount of one image would corrupt it).
     */
    GuestStorage prepared(GuestConfig cfg, Guests guests) throws IOException, ConfigException {
        GuestStorage s = checked(cfg);
        unmount(s);
        new GuestDisk(guests).applyAtStart(cfg, s, m -> vs.err().println("vserver: " + m));
        return s;
    }

    /** Unmounts a layered guest's private layer from the host, if it is mounted there (its disk image). */
    void unmount(GuestStorage s) throws IOException {
        if (s instanceof GuestStorage.Layered l) unmountLayer(l.layout());
    }

    boolean layerMounted(StorageLayout l) throws IOException {
        return MountPoints.isMountPoint(vs.proc().self().resolve("mountinfo"), l.layer());
    }

    /** Mounts a stopped guest's disk image on its private layer, on the host (before its start, or for a copy); {@link #unmount} undoes it. */
    void mountLayer(GuestStorage s, Optional<UserNamespace> userns) throws IOException {
        var plan = StoragePlanner.hostMounts(s, userns);
        if (plan.isPresent()) vs.launcher().runQuietly(plan.get());
    }

    /** Mounts a disk image on {@code dir} on the host (a private layer being moved onto it); {@link #unmountDir} undoes it. */
    void mountImage(Path image, Path dir) throws IOException {
        vs.launcher().runQuietly(HostPlan.of(List.of(new MountLoop(image.toString(), dir.toString(), "ext4", Set.of(), null))));
    }

    /** The same, for a guest whose configuration may be gone: by its root's path. */
    void unmountLayer(StorageLayout l) throws IOException { unmountDir(l.layer()); }

    /** Unmounts what is mounted on {@code layer} on the host, if anything is. */
    void unmountDir(Path layer) throws IOException {
        if (!MountPoints.isMountPoint(vs.proc().self().resolve("mountinfo"), layer)) return;
        // Detached: a host process with its cwd inside must not keep the guest's image mounted
        // forever; the filesystem goes (and its loop device with it) when the last user does.
        vs.launcher().runQuietly(HostPlan.of(List.of(new Umount(layer.toString(), Umount.DETACH))));
    }
}
