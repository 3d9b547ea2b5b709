package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * cgroup v1 cpu controller: CFS bandwidth ({@code cpu.cfs_period_us}, {@code cpu.cfs_quota_us},
 * {@code cpu.cfs_burst_us}) and the weight ({@code cpu.shares}).
 */
final class CpuController1 {
    static final List<String> FILES = List.of("cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.shares");

    private CpuController1() {}

    /**
     * Burst 0, period, quota, burst: the kernel refuses (EINVAL) a burst above the quota at every
     * write, so an old burst would block a lower quota, and a new burst needs its quota first.
     */
    static void apply(CgroupWriter w, Path dir, CgroupLimits.CpuBandwidth cpu, int weight) throws IOException {
        var none = CgroupLimits.CpuBandwidth.UNLIMITED;
        if (Files.exists(dir.resolve("cpu.cfs_burst_us")) && !CgroupFiles.read(dir.resolve("cpu.cfs_burst_us")).equals("0"))
            w.write(dir.resolve("cpu.cfs_burst_us"), "0");
        ControlFile.write(w, dir, "cpu.cfs_period_us", Long.toString(cpu.periodUs()), cpu.periodUs() == none.periodUs(),
                "cpu", "a CPU limit");
        ControlFile.write(w, dir, "cpu.cfs_quota_us", Long.toString(cpu.quotaUs()), cpu.quotaUs() == CgroupLimits.MAX,
                "cpu", "a CPU limit");
        ControlFile.write(w, dir, "cpu.cfs_burst_us", Long.toString(cpu.burstUs()), cpu.burstUs() == 0,
                "cpu", "a CPU burst");
        ControlFile.write(w, dir, "cpu.shares", Long.toString(shares(weight)), weight == 100, "cpu", "a CPU weight");
    }

    /** The v2 weight (1..10000, default 100) as v1 shares (default 1024); the kernel's minimum is 2. */
    static long shares(int weight) {
        return Math.max(2, weight * 1024L / 100);
    }

    /** cpu.stat; throttled_time and burst_time are in nanoseconds on v1. */
    static Throttling stat(Path dir) throws IOException {
        Path f = dir.resolve("cpu.stat");
        if (!Files.exists(f)) return Throttling.UNKNOWN;
        Map<String, Long> s = CgroupFiles.keyed(f);
        return new Throttling(s.getOrDefault("nr_periods", -1L), s.getOrDefault("nr_throttled", -1L),
                usec(s.get("throttled_time")), s.getOrDefault("nr_bursts", -1L), usec(s.get("burst_time")));
    }

    private static long usec(Long nanos) {
        return nanos == null ? -1 : nanos / 1000;
    }
}
