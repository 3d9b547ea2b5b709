package org.vserver.guest;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;

/**
 * The lines of {@code vserver NAME status} for a guest as it will run once started, with the
 * tokens launcher/status.c fills in (the process count, the uptime, the counters of
 * {@link org.vserver.cgroup.CgroupManager#statusTemplate}): compiled with the start, so that status
 * needs no JVM (doc/plan-cache.md). The CLI words status; a start compiled without it (the API)
 * leaves status to java.
 */
@FunctionalInterface
public interface StatusText {
    /** @return the lines, or empty where a line can only be java's (a disk use that must be counted) */
    Optional<List<String>> lines(Guests guests, GuestConfig cfg, int xid) throws IOException, ConfigException;
}
