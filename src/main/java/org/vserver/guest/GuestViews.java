package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.vserver.config.GuestConfig;
import org.vserver.config.ProcView;

/**
 * What status says of a guest's views ({@link ProcView}): which it has, and whether the lxcfs
 * serving them died while it ran (its monitor then unmounted them and wrote {@code RUN/lxcfs.lost},
 * launcher/monitor.c).
 */
public final class GuestViews {
    /** The file the monitor writes: the dead daemon's pid. */
    public static final String LOST = "lxcfs.lost";

    private GuestViews() {}

    /** "Views: virt_mem virt_uptime (lxcfs at /var/lib/lxcfs)", before what changes while the guest runs. */
    public static String line(GuestConfig cfg, Path lxcfsDir) {
        if (cfg.proc().views().isEmpty()) return "Views: none (the host's figures; cflags virt_* turn them on)";
        String names = cfg.proc().views().stream().sorted().map(ProcView::flag).collect(Collectors.joining(" "));
        boolean lxcfs = cfg.proc().views().stream().anyMatch(v -> v != ProcView.UPTIME);
        return "Views: " + names + (lxcfs ? " (lxcfs at " + lxcfsDir + ")" : "");
    }

    /** What launcher/status.c puts for {@code @V:RUN/lxcfs.lost@} now: nothing, or that lxcfs died. */
    public static String lost(Path runDir) throws IOException {
        try {
            String t = Files.readString(runDir.resolve(LOST)).strip();
            return "; lxcfs (pid " + t.split(" ")[0] + ") died: those views show the host's figures until the guest is restarted";
        } catch (NoSuchFileException none) {
            return "";
        }
    }

    /** The status template's line: {@link #line} and the token the launcher fills. */
    public static String template(GuestConfig cfg, Path lxcfsDir, Path runDir) {
        return line(cfg, lxcfsDir) + "@V:" + runDir.resolve(LOST) + "@";
    }
}
