package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.vserver.config.ConfigException;
import org.vserver.config.DiskLimit;
import org.vserver.config.DiskLimitFiles;
import org.vserver.config.GuestConfig;
import org.vserver.disk.BtrfsVolume;
import org.vserver.disk.DiskHost;
import org.vserver.disk.DiskUsage;
import org.vserver.disk.LoopImage;
import org.vserver.disk.Usage;
import org.vserver.fs.BuildException;
import org.vserver.fs.CloneMethod;
import org.vserver.fs.SearchPath;
import org.vserver.state.GuestLock;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.Layering;
import org.vserver.storage.StorageLayout;

/**
 * A guest's disk limit ({@code dlimits/}, {@code vdlimit}): the private layer of its overlay moved
 * onto a backend that enforces it, chosen by what the vdirbase is on:
 * <ul>
 * <li>btrfs: a subvolume with a qgroup limit; changed live; no inode limit (btrfs has none);</li>
 * <li>anything else: a sparse loop-backed ext4 image, its size the space limit, its inode count the
 *     inode limit, its root reserve {@code reserved}. It grows while the guest runs where vserver
 *     holds CAP_SYS_RESOURCE (ext4's online resize needs it), else at the next start; it shrinks
 *     and changes its inode count only while the guest is stopped.</li>
 * </ul>
 * Project quotas would need a kernel with quota support; this one has none, so they are not offered.
 *
 * <p>A guest with a limit is always layered: a plain guest's tree becomes its lower tree (as
 * {@code hashify} does, without linking anything), and the limit counts what it writes from then on.
 */
public final class GuestDisk {
    private final Guests guests;
    private final Vserver vs;
    private final DiskHost host;

    public GuestDisk(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
        this.host = DiskHost.of(vs.env());
    }

    /** What {@code --set} changes; an empty field keeps the current value. */
    public record Change(OptionalLong spaceKib, OptionalLong inodes, OptionalInt reservedPercent) {}

    /** A guest's disk as status shows it: the backend's name, its use and, if it has one, its limit. */
    public record Report(String backend, Usage usage, Optional<DiskLimit> limit) {}

    /** The guest's disk limit, if it has one, checked against its root. */
    static Optional<DiskLimit> limit(GuestConfig cfg) throws ConfigException {
        List<DiskLimit> limits = DiskLimitFiles.read(cfg.cfgdir());
        Path root = cfg.vdir().toAbsolutePath().normalize();
        for (DiskLimit l : limits)
            if (!l.directory().toAbsolutePath().normalize().equals(root))
                throw new ConfigException(cfg.cfgdir().resolve(DiskLimitFiles.DIR).resolve(l.id()).resolve("directory"),
                        "names " + l.directory() + ": only the guest's root (" + root + ") can be limited");
        return limits.stream().findFirst();
    }

    /**
     * {@code vdlimit --xid NAME --set ...}: makes, grows, shrinks or rebuilds the backend, then
     * writes {@code dlimits/}. Nothing changes when a step is refused.
     */
    public List<String> set(String name, Optional<Path> directory, Change change) throws IOException, ConfigException {
        List<String> said = new ArrayList<>();
        GuestConfig cfg = guests.config(name);
        checkDirectory(cfg, directory);
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            boolean running = guests.running(name).isPresent();
            Optional<DiskLimit> old = limit(cfg);
            DiskLimit now = merged(cfg, old, change);
            StorageLayout layout = GuestStorages.layout(cfg);
            GuestStorage s = Layering.read(layout);
            boolean btrfs = s instanceof GuestStorage.Layered l && l.backend() instanceof GuestStorage.BtrfsSubvolume
                    || backendOf(s).isEmpty() && isBtrfs(layout);
            if (btrfs && now.inodesTotal().isPresent())
                throw new IOException("btrfs has no inode limits: guest '" + name + "' is on btrfs (" + layout.base()
                        + "); set space_total and reserved only");
            if (now.spaceTotalKib().isEmpty())
                throw new IOException("no space_total for guest '" + name + "': give --set space_total=SIZE (KiB, or with K, M, G, T)");
            if (!btrfs && now.spaceTotalKib().getAsLong() < LoopImage.MIN_KIB)
                throw new IOException("space_total=" + now.spaceTotalKib().getAsLong() + " KiB is below the smallest disk image, "
                        + LoopImage.MIN_KIB + " KiB");
            Optional<String> backend = backendOf(s);
            if (backend.isEmpty()) {
                if (running) throw new IOException("guest '" + name + "' is running and has no disk limit yet: stop it first"
                        + " (its private layer moves onto the new " + (btrfs ? "btrfs subvolume" : "disk image") + ")");
                create(cfg, layout, s, now, btrfs, said);
            } else if (btrfs) {
                new BtrfsVolume(layout.layer(), host).setLimit(now.spaceTotalKib());
                said.add("btrfs qgroup limit of " + layout.layer() + ": " + Usage.size(now.spaceTotalKib().getAsLong()));
            } else {
                resizeImage(name, layout, old, now, running, said);
            }
            DiskLimitFiles.write(cfg.cfgdir(), now);
            return said;
        }
    }

    /** {@code vdlimit --xid NAME --remove DIR}: the private layer back into a plain directory, the limit gone. */
    public List<String> remove(String name, Optional<Path> directory) throws IOException, ConfigException {
        List<String> said = new ArrayList<>();
        GuestConfig cfg = guests.config(name);
        checkDirectory(cfg, directory);
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            StorageLayout layout = GuestStorages.layout(cfg);
            GuestStorage s = Layering.read(layout);
            if (backendOf(s).isPresent()) {
                if (guests.running(name).isPresent())
                    throw new IOException("guest '" + name + "' is running: stop it first (its private layer moves off its "
                            + backendOf(s).get() + " backend)");
                migrate(layout, (GuestStorage.Layered) s, new GuestStorage.Directory(), null, said);
            }
            if (!DiskLimitFiles.remove(cfg.cfgdir(), cfg.vdir()) && backendOf(s).isEmpty())
                throw new IOException("guest '" + name + "' has no disk limit");
            Path dir = cfg.cfgdir().resolve(DiskLimitFiles.DIR);
            try (var left = Files.list(dir)) {
                if (left.findAny().isEmpty()) Files.delete(dir);        // the last limit: no empty dlimits/ left
            } catch (NoSuchFileException gone) {
                // none was there
            }
            said.add("guest '" + name + "' has no disk limit now");
            return said;
        }
    }

    /** The guest's disk: backend, use and limit (status, vserver-stat, vdu --xid). */
    public Report report(GuestConfig cfg) throws IOException, ConfigException {
        StorageLayout layout = GuestStorages.layout(cfg);
        GuestStorage s = Layering.read(layout);
        Optional<DiskLimit> limit = limit(cfg);
        if (s instanceof GuestStorage.Layered l) {
            return switch (l.backend()) {
                case GuestStorage.LoopImage img -> new Report(img.label(), new GuestStorages(vs).layerMounted(layout)
                        ? LoopImage.usageOfMounted(vs.sys(), layout.layer()) : new LoopImage(img.image(), host).usage(), limit);
                case GuestStorage.BtrfsSubvolume b -> new Report(b.label(), new BtrfsVolume(layout.layer(), host).usage(), limit);
                case GuestStorage.Directory d -> new Report(d.label(), counted(layout.upper()), limit);
            };
        }
        return new Report(new GuestStorage.Directory().label(), counted(layout.root()), limit);
    }

    /** Whether {@link #report} is cheap for the guest: it is layered (its private layer is counted, not its whole tree). */
    public boolean cheap(GuestConfig cfg) throws IOException {
        return Layering.lowerId(GuestStorages.layout(cfg)).isPresent();
    }

    private Usage counted(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return new Usage(0, 0, 0, 0);
        DiskUsage.Count c = new DiskUsage(vs.sys()).count(dir.toString(), e -> { });
        return new Usage(c.spaceKib(), 0, c.inodes(), 0);
    }

    /**
     * At start (the guest stopped, under its lock): the backend matches {@code dlimits/}. A grow
     * that could not be made live is made now; a limit never applied is refused with what to do.
     */
    void applyAtStart(GuestConfig cfg, GuestStorage s, Consumer<String> say) throws IOException, ConfigException {
        Optional<DiskLimit> limit = limit(cfg);
        Optional<String> backend = backendOf(s);
        if (limit.isPresent() && backend.isEmpty())
            throw new ConfigException(cfg.cfgdir().resolve(DiskLimitFiles.DIR).resolve(limit.get().id()), "a disk limit is"
                    + " configured, but guest '" + cfg.name() + "' has no backend for it yet: apply it with `vdlimit --xid "
                    + cfg.name() + " --set space_total=" + limit.get().spaceTotalKib().orElse(0) + "` (its private layer moves"
                    + " onto a disk image, or a btrfs subvolume)");
        if (!(s instanceof GuestStorage.Layered l) || backend.isEmpty()) return;
        if (l.backend() instanceof GuestStorage.LoopImage img) {
            LoopImage image = new LoopImage(img.image(), host);
            var sb = image.check();                                  // missing, not ext4, not cleanly unmounted: refused
            if (limit.isEmpty()) {
                say.accept("warning: guest '" + cfg.name() + "' has no dlimits/ file, but its private layer is the disk image "
                        + img.image() + " (" + Usage.size(sb.sizeKib()) + "); `vdlimit --xid " + cfg.name() + " --remove "
                        + cfg.vdir() + "` takes it off the image");
                return;
            }
            long want = limit.get().spaceTotalKib().orElse(sb.sizeKib());
            if (want > sb.sizeKib()) {
                image.growOffline(want);
                say.accept("disk image of guest '" + cfg.name() + "' grown to " + Usage.size(want) + ", as dlimits/ says");
            } else if (want < sb.sizeKib()) {
                image.shrinkOffline(want);
                say.accept("disk image of guest '" + cfg.name() + "' shrunk to " + Usage.size(want) + ", as dlimits/ says");
            }
        } else if (l.backend() instanceof GuestStorage.BtrfsSubvolume && limit.isPresent()) {
            new BtrfsVolume(l.layout().layer(), host).setLimit(limit.get().spaceTotalKib());
        }
    }

    /**
     * Why a start must go through java for the guest's disk (doc/plan-cache.md), or empty when the
     * compiled start's journaled mount of its image is all it takes: a resize {@code dlimits/} asks
     * for (java makes it, as {@link #applyAtStart} does, then compiles again), a btrfs limit not yet
     * set, or a limit or image without the other, which java words at each start.
     */
    Optional<String> startNeedsJava(GuestConfig cfg, GuestStorage s) throws IOException, ConfigException {
        Optional<DiskLimit> limit = limit(cfg);
        Optional<String> backend = backendOf(s);
        if (limit.isPresent() && backend.isEmpty()) return Optional.of("a disk limit without its backend: java says what to do");
        if (!(s instanceof GuestStorage.Layered l) || backend.isEmpty()) return Optional.empty();
        if (l.backend() instanceof GuestStorage.LoopImage img) {
            if (limit.isEmpty()) return Optional.of("a disk image without dlimits/: java warns at each start");
            long have = new LoopImage(img.image(), host).check().sizeKib();
            long want = limit.get().spaceTotalKib().orElse(have);
            return want == have ? Optional.empty()
                    : Optional.of("disk image of " + Usage.size(have) + " to be resized to " + Usage.size(want) + " (dlimits/)");
        }
        if (l.backend() instanceof GuestStorage.BtrfsSubvolume && limit.isPresent()) {
            long have = new BtrfsVolume(l.layout().layer(), host).usage().spaceTotalKib();
            long want = limit.get().spaceTotalKib().orElse(0);
            return want == have ? Optional.empty() : Optional.of("btrfs qgroup limit to be set to " + Usage.size(want) + " (dlimits/)");
        }
        return Optional.empty();
    }

    private static void checkDirectory(GuestConfig cfg, Optional<Path> directory) throws IOException {
        if (directory.isEmpty()) return;
        Path root = cfg.vdir().toAbsolutePath().normalize();
        if (!directory.get().toAbsolutePath().normalize().equals(root))
            throw new IOException("disk limits apply to a guest's root here: give " + root + " (or no directory), not " + directory.get());
    }

    private static DiskLimit merged(GuestConfig cfg, Optional<DiskLimit> old, Change c) throws ConfigException {
        String id = old.map(DiskLimit::id).orElse(DiskLimitFiles.newId(cfg.cfgdir()));
        OptionalLong space = c.spaceKib().isPresent() ? c.spaceKib() : old.map(DiskLimit::spaceTotalKib).orElse(OptionalLong.empty());
        OptionalLong inodes = c.inodes().isPresent() ? c.inodes() : old.map(DiskLimit::inodesTotal).orElse(OptionalLong.empty());
        int reserved = c.reservedPercent().orElse(old.map(DiskLimit::reservedPercent).orElse(DiskLimit.DEFAULT_RESERVED));
        return new DiskLimit(id, cfg.vdir().toAbsolutePath().normalize(), space, inodes, reserved);
    }

    /** The limiting backend's name, if the guest has one. */
    static Optional<String> backendOf(GuestStorage s) {
        if (!(s instanceof GuestStorage.Layered l) || l.backend() instanceof GuestStorage.Directory) return Optional.empty();
        return Optional.of(l.backend().label());
    }

    private static boolean isBtrfs(StorageLayout layout) {
        try {
            return BtrfsVolume.isBtrfs(layout.base());
        } catch (IOException e) {
            return false;
        }
    }

    /** The first limit: a plain guest becomes layered; the private layer moves onto the new backend. */
    private void create(GuestConfig cfg, StorageLayout layout, GuestStorage s, DiskLimit limit, boolean btrfs, List<String> said)
            throws IOException {
        GuestStorage.Backend target = btrfs ? new GuestStorage.BtrfsSubvolume() : new GuestStorage.LoopImage(layout.image());
        if (s instanceof GuestStorage.Plain) {
            Layering.createPrivate(layout.base().resolve(StorageLayout.PRIVATE));
            Layering.createPrivate(layout.privateDir());
            makeBackend(layout.layer(), layout.image(), target, limit);
            try {
                Layering.recordBackend(layout, target);
                String id = Layering.convert(layout);
                said.add("guest '" + cfg.name() + "' is layered now: its tree is the lower tree " + layout.lower(id)
                        + "; the limit counts what it writes from now on");
            } catch (IOException | RuntimeException e) {
                Layering.recordBackend(layout, null);
                dropBackend(layout.layer(), layout.image(), target);
                throw e;
            }
        } else {
            migrate(layout, (GuestStorage.Layered) s, target, limit, said);
        }
        said.add("guest '" + cfg.name() + "': " + (btrfs ? "btrfs subvolume " + layout.layer() + " with a qgroup limit of "
                : "disk image " + layout.image() + " of ") + Usage.size(limit.spaceTotalKib().getAsLong())
                + limit.inodesTotal().stream().mapToObj(i -> ", " + i + " inodes").findFirst().orElse("")
                + (btrfs ? "" : ", " + limit.reservedPercent() + "% reserved"));
    }

    /**
     * Makes backend {@code b} with its private layer at {@code layer} (its image, if it has one, at
     * {@code image}: beside the final one while a layer moves): a plain directory, a btrfs
     * subvolume with its limit, or an image and its empty mount point.
     */
    private void makeBackend(Path layer, Path image, GuestStorage.Backend b, DiskLimit limit) throws IOException {
        switch (b) {
            case GuestStorage.Directory d -> Layering.createPrivate(layer);
            case GuestStorage.BtrfsSubvolume v -> {
                var vol = new BtrfsVolume(layer, host);
                vol.create();
                vol.enableQuota();
                vol.setLimit(limit.spaceTotalKib());
            }
            case GuestStorage.LoopImage i -> {
                Layering.createPrivate(layer);
                new LoopImage(image, host).create(limit.spaceTotalKib().getAsLong(), limit.inodesTotal(), limit.reservedPercent());
            }
        }
    }

    private void dropBackend(Path layer, Path image, GuestStorage.Backend b) throws IOException {
        if (b instanceof GuestStorage.BtrfsSubvolume && Files.isDirectory(layer)) new BtrfsVolume(layer, host).delete();
        if (b instanceof GuestStorage.LoopImage) Files.deleteIfExists(image);
        if (Files.isDirectory(layer, LinkOption.NOFOLLOW_LINKS)) GuestDelete.removeTree(layer);
    }

    /**
     * Moves a stopped layered guest's private layer onto another backend: the new one is made
     * beside the old ({@code layer.new}, {@code disk.img.new}), the upper copied with cp -a
     * (whiteouts and overlay xattrs kept), then the new one takes the old one's names.
     */
    private void migrate(StorageLayout layout, GuestStorage.Layered s, GuestStorage.Backend to, DiskLimit limit, List<String> said)
            throws IOException {
        Path newLayer = layout.privateDir().resolve("layer.new"), newImage = layout.privateDir().resolve("disk.img.new");
        Path oldLayer = layout.privateDir().resolve("layer.old");
        dropBackend(newLayer, newImage, to);                                          // an earlier attempt's
        makeBackend(newLayer, newImage, to, limit);
        var storages = new GuestStorages(vs);
        try {
            if (s.backend() instanceof GuestStorage.LoopImage) storages.mountLayer(s, Optional.empty());
            if (to instanceof GuestStorage.LoopImage) storages.mountImage(newImage, newLayer);
            Files.createDirectories(newLayer.resolve("upper"));
            Files.createDirectories(newLayer.resolve("work"));
            if (Files.isDirectory(layout.upper())) {
                try {
                    CloneMethod.copy(layout.upper(), newLayer.resolve("upper"), SearchPath.fromEnvironment(vs.env()), said::add);
                } catch (BuildException e) {
                    throw new IOException("copying the private layer " + layout.upper() + " failed: " + e.getMessage(), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            storages.unmountDir(newLayer);
            storages.unmount(s);
            dropBackend(newLayer, newImage, to);
            throw e;
        }
        storages.unmountDir(newLayer);
        storages.unmount(s);
        // the switch: the old layer aside, the new one in its place, the old one removed
        Files.move(layout.layer(), oldLayer);
        Files.move(newLayer, layout.layer());
        if (to instanceof GuestStorage.LoopImage) Files.move(newImage, layout.image(), StandardCopyOption.REPLACE_EXISTING);
        else Files.deleteIfExists(layout.image());
        Layering.recordBackend(layout, to);
        if (s.backend() instanceof GuestStorage.BtrfsSubvolume) new BtrfsVolume(oldLayer, host).delete();
        if (Files.exists(oldLayer, LinkOption.NOFOLLOW_LINKS)) GuestDelete.removeTree(oldLayer);
        said.add("private layer of guest '" + layout.name() + "' moved onto " + switch (to) {
            case GuestStorage.Directory d -> "a plain directory";
            case GuestStorage.LoopImage i -> "its disk image " + i.image();
            case GuestStorage.BtrfsSubvolume b -> "btrfs subvolume " + layout.layer();
        });
    }

    /** The size of a loop device, from sysfs (512-byte sectors). */
    private long sizeKib(Path dev) throws IOException {
        Path size = host.sysfs().resolve("block").resolve(dev.getFileName().toString()).resolve("size");
        return Long.parseLong(Files.readString(size).strip()) / 2;
    }

    /** A loop-backed guest's new limit: grown (live where ext4 allows), shrunk or rebuilt (stopped). */
    private void resizeImage(String name, StorageLayout layout, Optional<DiskLimit> old, DiskLimit now, boolean running,
                             List<String> said) throws IOException {
        LoopImage image = new LoopImage(layout.image(), host);
        long want = now.spaceTotalKib().getAsLong();
        boolean inodesChange = !now.inodesTotal().equals(old.map(DiskLimit::inodesTotal).orElse(OptionalLong.empty()));
        boolean reserveChange = now.reservedPercent() != old.map(DiskLimit::reservedPercent).orElse(DiskLimit.DEFAULT_RESERVED);
        if (running) {
            if (inodesChange || reserveChange)
                throw new IOException("guest '" + name + "' is running: ext4 fixes an image's inode count and reserve when it is made;"
                        + " stop the guest to change inodes_total or reserved (its image is rebuilt)");
            Path dev = image.loopDevice().orElseThrow(() -> new IOException("guest '" + name + "' runs, but its image "
                    + layout.image() + " is attached to no loop device: restart it"));
            long have = sizeKib(dev);
            if (want < have) throw new IOException("guest '" + name + "' is running: a disk image shrinks only while its guest is"
                    + " stopped; stop it, then set the limit again");
            if (want == have) return;
            if (!LoopImage.canResizeOnline(vs.proc())) {
                said.add(LoopImage.ONLINE_RESIZE_REFUSED);
                return;
            }
            image.growOnline(dev, want);
            said.add("disk image of guest '" + name + "' grown to " + Usage.size(want) + " while it runs");
            return;
        }
        if (inodesChange || reserveChange) {
            var s = (GuestStorage.Layered) Layering.read(layout);
            migrate(layout, s, new GuestStorage.LoopImage(layout.image()), now, said);
            return;
        }
        long have = image.check().sizeKib();
        if (want > have) image.growOffline(want);
        else if (want < have) image.shrinkOffline(want);
        said.add("disk image of guest '" + name + "': " + Usage.size(want));
    }
}
