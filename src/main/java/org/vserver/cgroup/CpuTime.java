package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * CPU time of a cgroup, split into user and system mode.
 *
 * @param userNanos   time in user mode
 * @param systemNanos time in kernel mode
 */
record CpuTime(long userNanos, long systemNanos) {
    /** USER_HZ: the unit of cpuacct.stat, 100 on every Linux ABI (sysconf(_SC_CLK_TCK)). */
    static final long USER_HZ = 100;
    static final long NANOS_PER_TICK = 1_000_000_000L / USER_HZ;
    static final CpuTime UNKNOWN = new CpuTime(0, 0);

    /**
     * v1 cpuacct: {@code cpuacct.stat} ("user N", "system N" in USER_HZ ticks); without it
     * {@code cpuacct.usage} (nanoseconds, not split: all of it is reported as user time).
     */
    static CpuTime cpuacct(Path dir) throws IOException {
        Path stat = dir.resolve("cpuacct.stat");
        if (Files.exists(stat)) {
            Map<String, Long> m = CgroupFiles.keyed(stat);
            return new CpuTime(m.getOrDefault("user", 0L) * NANOS_PER_TICK, m.getOrDefault("system", 0L) * NANOS_PER_TICK);
        }
        Path usage = dir.resolve("cpuacct.usage");
        if (Files.exists(usage)) return new CpuTime(CgroupFiles.number(usage), 0);
        return UNKNOWN;
    }

    /** v2 {@code cpu.stat}: user_usec and system_usec in microseconds (usage_usec if the split is absent). */
    static CpuTime cpuStat(Path dir) throws IOException {
        Path stat = dir.resolve("cpu.stat");
        if (!Files.exists(stat)) return UNKNOWN;
        Map<String, Long> m = CgroupFiles.keyed(stat);
        if (m.containsKey("user_usec") || m.containsKey("system_usec"))
            return new CpuTime(m.getOrDefault("user_usec", 0L) * 1000, m.getOrDefault("system_usec", 0L) * 1000);
        return new CpuTime(m.getOrDefault("usage_usec", 0L) * 1000, 0);
    }
}
