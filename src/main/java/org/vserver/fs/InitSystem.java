package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What a built tree's {@code /sbin/init} is. A tree whose init is systemd (Debian's systemd-sysv
 * links /sbin/init to /lib/systemd/systemd) gets the {@code systemd} init style: it boots as
 * systemd expects of a container manager (systemd.io/CONTAINER_INTERFACE), where the sysv style
 * would run /etc/init.d/rc, which such a tree barely uses.
 */
public final class InitSystem {
    private InitSystem() {}

    /** Links followed at most, as the kernel's path walk allows: a loop is no init. */
    private static final int MAX_LINKS = 40;

    /**
     * True if {@code root}'s /sbin/init leads to a file named {@code systemd}. Links are resolved
     * inside the tree (an absolute target starts again at {@code root}), never on the host.
     */
    public static boolean isSystemd(Path root) throws IOException {
        String path = "/sbin/init";
        for (int i = 0; i < MAX_LINKS; i++) {
            Path p = inside(root, path);
            // a link in a parent (/sbin -> usr/sbin on merged-/usr trees) is resolved first
            Path parent = inside(root, parentOf(path));
            if (Files.isSymbolicLink(parent)) {
                path = resolve(parentOf(parentOf(path)), Files.readSymbolicLink(parent).toString()) + "/" + nameOf(path);
                continue;
            }
            if (!Files.isSymbolicLink(p)) return nameOf(path).equals("systemd") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
            path = resolve(parentOf(path), Files.readSymbolicLink(p).toString());
        }
        return false;
    }

    private static Path inside(Path root, String path) {
        return root.resolve(path.substring(1));
    }

    /** {@code target} of a link in directory {@code dir}, as an absolute path in the tree, normalized. */
    private static String resolve(String dir, String target) {
        Path p = target.startsWith("/") ? Path.of(target) : Path.of(dir).resolve(target);
        String n = Path.of("/").resolve(p).normalize().toString();
        return n.isEmpty() ? "/" : n;
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
