package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a built tree's {@code /sbin/init} is. A tree whose init is systemd (Debian's systemd-sysv
 * links /sbin/init to /lib/systemd/systemd) gets the {@code systemd} init style: it boots as
 * systemd expects of a container manager (systemd.io/CONTAINER_INTERFACE), where the sysv style
 * would run /etc/init.d/rc, which such a tree barely uses.
 */
public final class InitSystem {
    private InitSystem() {}

    /**
     * True if {@code root}'s /sbin/init leads to a regular file named {@code systemd}. The links
     * on the way are followed inside the tree ({@link GuestTree#follow}), never on the host.
     */
    public static boolean isSystemd(Path root) throws IOException {
        Optional<Path> init = GuestTree.of(root).follow("sbin/init");
        return init.isPresent() && init.get().getFileName().toString().equals("systemd")
                && Files.isRegularFile(init.get(), LinkOption.NOFOLLOW_LINKS);
    }
}
