package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.config.GuestRanges;
import org.vserver.context.UserNamespace;
import org.vserver.fs.BuildException;
import org.vserver.tag.FileWalk;
import org.vserver.tag.Retag;
import org.vserver.fs.CloneMethod;
import org.vserver.fs.SearchPath;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.Layering;
import org.vserver.storage.LowerTrees;
import org.vserver.storage.StorageLayout;

/**
 * {@code build -m clone -- --source GUEST} of a layered (unified) guest: the clone names the
 * source's lower tree, so nothing of it is copied; only the source's private layer (its changes
 * since unification, often nothing) is copied into the clone's, whiteouts and overlay xattrs
 * included. The caller holds the source still ({@link CloneSource}).
 */
final class LayeredClone {
    private static final String METHOD = "clone";
    private final Vserver vs;

    LayeredClone(Vserver vs) { this.vs = vs; }

    /** The source's storage if {@code source} is the root of a layered guest. */
    static Optional<GuestStorage.Layered> source(Path source) throws IOException {
        if (!Files.isDirectory(source)) return Optional.empty();
        var l = StorageLayout.of(source.toRealPath());
        if (Layering.lowerId(l).isEmpty()) return Optional.empty();
        return Optional.of((GuestStorage.Layered) Layering.read(l));
    }

    /** The clone's storage at {@code to}: the source's lower tree, a copy of its private layer. */
    GuestStorage.Layered create(GuestStorage.Layered from, StorageLayout to, Consumer<String> progress)
            throws IOException, BuildException {
        if (!to.base().equals(from.layout().base()))
            throw new BuildException(METHOD, "the source's lower tree is in " + from.layout().lowers() + ", the clone would be in "
                    + to.base() + ": a clone of a unified guest shares its lower tree, so it must be in the same vdirbase");
        Layering.createPrivate(to.base().resolve(StorageLayout.PRIVATE));
        Layering.createPrivate(to.privateDir());
        Layering.createPrivate(to.layer());
        try (var _ = new LowerTrees(to.base()).lock()) {             // the tree cannot be collected meanwhile
            if (!Files.isDirectory(from.lower(), LinkOption.NOFOLLOW_LINKS))
                throw new BuildException(METHOD, "lower tree " + from.lower() + " of the source is missing");
            Files.createSymbolicLink(to.lowerLink(), Path.of(StorageLayout.lowerLinkText(from.lowerId())));
        }
        if (!Files.isDirectory(to.root(), LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(to.root());
        Files.createDirectories(to.upper());
        Files.createDirectories(to.work());
        copyPrivateLayer(from, to, progress);
        return (GuestStorage.Layered) Layering.read(to);
    }

    private void copyPrivateLayer(GuestStorage.Layered from, StorageLayout to, Consumer<String> progress)
            throws IOException, BuildException {
        var storages = new GuestStorages(vs);
        boolean mountedHere = false;
        if (from.backend() instanceof GuestStorage.LoopImage && !storages.layerMounted(from.layout())) {
            storages.mountLayer(from, Optional.empty());                            // a stopped source: its image, for the copy
            mountedHere = true;
        }
        try {
            Path upper = from.layout().upper();
            if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS) || isEmpty(upper)) {
                progress.accept("the source has no private changes: the clone shares its lower tree, nothing copied");
                return;
            }
            progress.accept("copying the source's private changes from " + upper);
            CloneMethod.copy(upper, to.upper(), SearchPath.fromEnvironment(vs.env()), progress);
        } finally {
            if (mountedHere) storages.unmount(from);
        }
    }

    /**
     * The clone's private layer, copied with the source's host ids and written through the host's
     * view with the host's, shifted to the clone's own range (chxid -c CLONE -R UPPER): every file
     * of a guest's private layer carries its own host ids.
     */
    void shiftToOwnRange(GuestConfig cfg) throws IOException, ConfigException {
        if (cfg.userns().disabled()) return;
        var userns = UserNamespace.of(cfg).orElseThrow();
        var retag = new Retag(vs.sys(), GuestRanges.read(vs.config()), new Retag.Guest(cfg.name(), userns.uid(), userns.gid()));
        List<IOException> failed = new ArrayList<>();
        new FileWalk(vs.sys(), new FileWalk.Options(true, false, true, true))
                .walk(GuestStorages.layout(cfg).upper().toString(), retag::retag, failed::add);
        if (!failed.isEmpty())
            throw new IOException(failed.size() + " files of the clone's private layer could not be shifted to its range, the first: "
                    + failed.getFirst().getMessage());
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
