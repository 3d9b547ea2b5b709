package org.vserver.guest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestConfig;
import org.vserver.storage.StorageLayout;

/**
 * util-vserver's hash directories: {@code apps/vunify/hash/<id>}, each a link to (or itself) one
 * hash directory per filesystem, the guest's own list if it has one, else the one of
 * {@code .defaults}; without either, {@code VDIRBASE/.hash}. A file can only be linked to a hash
 * directory on its own filesystem.
 */
final class HashDirs {
    static final String DIR = "apps/vunify/hash";

    private HashDirs() {}

    /** Every hash directory the guest (or, with {@code cfg} null, the host's defaults) names, and the default one. */
    static List<Path> configured(GuestConfig cfg, ConfigRoot root) throws IOException, ConfigException {
        List<Path> dirs = new ArrayList<>(listed(cfg, root));
        Path def = root.vdirBase().resolve(StorageLayout.HASH);
        if (!dirs.contains(def)) dirs.add(def);
        return dirs;
    }

    private static List<Path> listed(GuestConfig cfg, ConfigRoot root) throws IOException {
        if (cfg != null) {
            List<Path> own = entries(cfg.cfgdir().resolve(DIR));
            if (!own.isEmpty()) return own;
        }
        return entries(root.defaultsDir().resolve(DIR));
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) out.add(Files.isSymbolicLink(p) ? dir.resolve(Files.readSymbolicLink(p)).normalize() : p);
        }
        out.sort(null);
        return out;
    }

    /**
     * The hash directory for the guest whose storage is {@code layout}: the configured one on the
     * filesystem of its lower trees; the default one when none is configured. A configured list
     * with none on that filesystem is refused: hard links cannot cross filesystems.
     */
    static Path choose(GuestConfig cfg, ConfigRoot root, StorageLayout layout) throws IOException, ConfigException {
        List<Path> listed = listed(cfg, root);
        Object dev = Files.getAttribute(layout.base(), "unix:dev");
        if (listed.isEmpty()) return layout.defaultHashDir();
        List<String> elsewhere = new ArrayList<>();
        for (Path d : listed) {
            Path existing = d;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) existing = existing.getParent();
            if (existing != null && dev.equals(Files.getAttribute(existing, "unix:dev"))) return d;
            elsewhere.add(d.toString());
        }
        Path where = Files.isDirectory(cfg.cfgdir().resolve(DIR)) ? cfg.cfgdir().resolve(DIR) : root.defaultsDir().resolve(DIR);
        throw new ConfigException(where, "hash director" + (elsewhere.size() == 1 ? "y " : "ies ") + String.join(", ", elsewhere)
                + (elsewhere.size() == 1 ? " is" : " are") + " on another filesystem than guest '" + layout.name() + "' ("
                + layout.base() + "): hard links are impossible across filesystems; add a hash directory on "
                + layout.base() + "'s filesystem");
    }
}
