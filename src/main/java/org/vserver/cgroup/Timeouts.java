package org.vserver.cgroup;

import java.time.Duration;

/**
 * How long the managers wait for the kernel; tests shorten them.
 *
 * @param freeze how long a freeze or thaw may take before it is an error
 * @param busy   how long rmdir is retried while a dying task lingers (EBUSY)
 */
record Timeouts(Duration freeze, Duration busy) {
    static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
}
