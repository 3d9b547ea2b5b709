package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** cgroup v2 cpu controller: {@code cpu.max} ("quota period", quota "max" for none), {@code cpu.max.burst}, {@code cpu.weight}. */
final class CpuController2 {
    static final List<String> FILES = List.of("cpu.max", "cpu.max.burst", "cpu.weight");

    private CpuController2() {}

    /** Burst 0, cpu.max, burst: as on v1 the kernel refuses a burst above the quota (EINVAL) at every write. */
    static void apply(CgroupWriter w, Path dir, CgroupLimits.CpuBandwidth cpu, int weight) throws IOException {
        boolean unlimited = cpu.equals(CgroupLimits.CpuBandwidth.UNLIMITED);
        Path burst = dir.resolve("cpu.max.burst");
        if (Files.exists(burst) && !CgroupFiles.read(burst).equals("0")) w.write(burst, "0");
        String quota = cpu.quotaUs() == CgroupLimits.MAX ? "max" : Long.toString(cpu.quotaUs());
        ControlFile.write(w, dir, "cpu.max", quota + " " + cpu.periodUs(), unlimited, "cpu", "a CPU limit");
        ControlFile.write(w, dir, "cpu.max.burst", Long.toString(cpu.burstUs()), cpu.burstUs() == 0, "cpu", "a CPU burst");
        ControlFile.write(w, dir, "cpu.weight", Integer.toString(weight), weight == 100, "cpu", "a CPU weight");
    }

    /** cpu.stat's bandwidth lines (in microseconds on v2); they appear only with the cpu controller enabled. */
    static Throttling stat(Path dir) throws IOException {
        Path f = dir.resolve("cpu.stat");
        if (!Files.exists(f)) return Throttling.UNKNOWN;
        Map<String, Long> s = CgroupFiles.keyed(f);
        return new Throttling(s.getOrDefault("nr_periods", -1L), s.getOrDefault("nr_throttled", -1L),
                s.getOrDefault("throttled_usec", -1L), s.getOrDefault("nr_bursts", -1L), s.getOrDefault("burst_usec", -1L));
    }
}
