package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.state.GuestLock;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.Layering;
import org.vserver.storage.LowerTrees;
import org.vserver.storage.StorageLayout;
import org.vserver.unify.DpkgConffiles;
import org.vserver.unify.ExcludeRules;
import org.vserver.unify.HashStore;
import org.vserver.unify.Hashify;
import org.vserver.unify.HashifyResult;

/**
 * {@code vserver NAME hashify} and {@code vhashify NAME}: the guest's files linked into the
 * content-hash store. A plain guest becomes layered first (its tree its lower tree, its private
 * layer empty), so that from its next start a write to a shared file copies it up instead of
 * changing every guest's copy.
 *
 * <p>The guest must be stopped, and so must every guest sharing its lower tree: overlayfs does not
 * allow its layers to change under a mounted overlay. A dry run changes nothing, not even the layout.
 */
public final class GuestHashify {
    private final Guests guests;
    private final Vserver vs;

    public GuestHashify(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    public HashifyResult hashify(String name, Hashify.Options o, Hashify.Listener listener) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);
        StorageLayout layout = GuestStorages.layout(cfg);
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            if (guests.running(name).isPresent())
                throw new IOException("guest '" + name + "' is running: stop it first (vserver " + name + " stop); its"
                        + " files may not change under it, and from its next start its root is an overlay of the unified tree");
            GuestStorage s = Layering.read(layout);
            if (cfg.userns().shifted())
                throw new ConfigException(cfg.cfgdir().resolve("userns/shifted"), "guest '" + name + "' has its files shifted"
                        + " to its id range (its filesystem refuses idmapped mounts): they cannot be shared with other guests");
            Path hashDir = HashDirs.choose(cfg, vs.config(), layout);   // another filesystem: refused before anything changes
            ExcludeRules rules = rules(cfg);
            Path tree = s instanceof GuestStorage.Layered l ? l.lower() : layout.root();
            if (s instanceof GuestStorage.Layered l) refuseSharedRunning(l, name);
            HashStore store = HashStore.open(hashDir);
            Set<String> conffiles = DpkgConffiles.read(vs.sys(), vs.proc(), tree);
            if (s instanceof GuestStorage.Plain && !o.dryRun()) {
                Layering.createPrivate(layout.base().resolve(StorageLayout.PRIVATE));
                Layering.createPrivate(layout.privateDir());
                Layering.createPrivate(layout.layer());
                String id = Layering.convert(layout);
                tree = layout.lower(id);
            }
            return Hashify.run(tree, rules, conffiles, store, o, listener);
        }
    }

    /**
     * {@code vhashify --gc}: lower trees of the vdirbase no guest names, then the entries of the
     * host's hash directories (or, with a guest, of that guest's) that no file links to.
     */
    public StoreGc.Collected gc(Optional<String> guest) throws IOException, ConfigException {
        GuestConfig cfg = guest.isPresent() ? guests.config(guest.get()) : null;
        Path base = cfg != null ? GuestStorages.layout(cfg).base() : vs.config().vdirBase();
        return StoreGc.collect(base, HashDirs.configured(cfg, vs.config()));
    }

    /** The guest's exclude list, then the host's default one, then the packaged one: the first rule that matches decides. */
    private ExcludeRules rules(GuestConfig cfg) throws IOException, ConfigException {
        ExcludeRules r = ExcludeRules.builtin();
        List<Path> files = List.of(cfg.cfgdir().resolve("apps/vunify/exclude"), vs.config().defaultsDir().resolve("apps/vunify/exclude"));
        for (Path f : files.reversed())
            if (Files.isRegularFile(f)) r = ExcludeRules.parse(f, Files.readAllLines(f)).then(r);
        return r;
    }

    private void refuseSharedRunning(GuestStorage.Layered l, String name) throws IOException {
        List<String> running = new ArrayList<>();
        for (String other : new LowerTrees(l.layout().base()).users(l.lowerId()))
            if (!other.equals(name) && guests.running(other).isPresent()) running.add(other);
        if (!running.isEmpty())
            throw new IOException("guest '" + name + "' shares its lower tree " + l.lower() + " with running guest"
                    + (running.size() == 1 ? " " : "s ") + String.join(", ", running) + ": stop "
                    + (running.size() == 1 ? "it" : "them") + " first; an overlay's layers may not change under it");
    }
}
