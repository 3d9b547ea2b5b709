package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.vserver.config.ConfigException;
import org.vserver.disk.BtrfsVolume;
import org.vserver.disk.DiskHost;
import org.vserver.storage.Layering;
import org.vserver.storage.StorageLayout;

/** {@code vserver NAME delete [--force]}: the guest's root and configuration, gone. */
public final class GuestDelete {
    private final Guests guests;

    public GuestDelete(Guests guests) { this.guests = guests; }

    /** @param force stop a running guest first (without it, a running guest is refused) */
    public void delete(String name, boolean force) throws IOException, ConfigException {
        var root = guests.vserver().config();
        Path cfgdir = root.guestDir(name);
        Path vdir = Files.isDirectory(cfgdir) ? guests.config(name).vdir() : root.vdirBase().resolve(name);
        if (guests.running(name).isPresent()) {
            if (!force) throw new IOException("guest '" + name + "' is running: stop it first, or delete --force");
            new GuestStop(guests).stop(name);
        }
        List<Path> stores = Files.isDirectory(cfgdir) ? HashDirs.configured(guests.config(name), root) : HashDirs.configured(null, root);
        guests.cleanup(name);
        StorageLayout layout = StorageLayout.of(vdir);
        boolean layered = Files.isDirectory(layout.privateDir(), LinkOption.NOFOLLOW_LINKS);
        removeTree(vdir);
        removeStorage(guests.vserver(), layout);
        removeTree(cfgdir);
        PlanCache.remove(root.cacheBase(), name);                // its compiled start (doc/plan-cache.md)
        removeTree(root.consoleLog(name).getParent());         // its console log, kept after each stop, not after this
        if (layered) StoreGc.collect(layout.base(), stores);    // its lower tree and store entries, unless shared
    }

    /**
     * A guest's private storage ({@code .private/NAME}: its lower link, private layer, disk image),
     * unmounted first.
     */
    static void removeStorage(Vserver vs, StorageLayout layout) throws IOException {
        new GuestStorages(vs).unmountLayer(layout);
        // a subvolume is another device to rm --one-file-system: removed as what it is
        if (Layering.isBtrfsSubvolume(layout.layer())) new BtrfsVolume(layout.layer(), DiskHost.of(vs.env())).delete();
        removeTree(layout.privateDir());
    }

    /**
     * rm -rf that neither follows symlinks nor crosses into other filesystems: a guest root may
     * hold links to anywhere, and a mount left inside it must not be emptied.
     */
    static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        var pb = new ProcessBuilder(List.of("rm", "-rf", "--one-file-system", "--", dir.toString()))
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) throw new IOException("rm -rf " + dir + " failed: " + out.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while removing " + dir);
        }
    }
}
