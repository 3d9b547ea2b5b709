package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.config.ConfigException;

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
        guests.cleanup(name);
        removeTree(vdir);
        removeTree(cfgdir);
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
