package org.vserver.config;

import org.vserver.limits.ResourceConfig;

/**
 * Reads {@code sched/} (or the legacy {@code schedule}), the scheduler flags of {@code cflags}
 * (old name {@code flags}), {@code cpuset/}, {@code rlimits/}, {@code ulimits/} and
 * {@code ionice/} into a {@link ResourceConfig}, naming file and line for every bad value.
 */
public final class ResourceDir {
    private ResourceDir() {}

    public static ResourceConfig read(ConfigFiles files) throws ConfigException {
        return ResourceConfig.NONE;
    }

    public static void write(ResourceConfig cfg, java.nio.file.Path dir) throws java.io.IOException {
        throw new UnsupportedOperationException("not yet");
    }
}
