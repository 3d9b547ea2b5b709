package org.vserver.cgroup;

import java.util.Optional;
import org.vserver.kernel.CpuList;

/**
 * Everything the kernel enforces for one guest through its cgroup, fully specified: a field at its
 * default ({@link #DEFAULT}) writes the kernel's default back, so applying a record to a running
 * guest is the whole change, never a merge. Units are the kernel's (microseconds, bytes).
 *
 * @param cpu      CFS bandwidth: {@code cpu.cfs_period_us/quota_us/burst_us} (v1), {@code cpu.max}, {@code cpu.max.burst} (v2)
 * @param cpuWeight 1..10000, 100 = the kernel's default: {@code cpu.weight} (v2), {@code cpu.shares = weight * 1024 / 100} (v1)
 * @param cpus     {@code cpuset.cpus}; empty = the parent's
 * @param mems     {@code cpuset.mems}; empty = the parent's
 * @param cpuExclusive {@code cpuset.cpu_exclusive} (v1), {@code cpuset.cpus.partition = root} (v2)
 * @param memExclusive {@code cpuset.mem_exclusive} (v1); v2 has no counterpart
 * @param memory   memory limits
 * @param pidsMax  {@code pids.max}; {@link #MAX} = no limit
 * @param ioWeight 1..1000, 100 = default: {@code blkio.bfq.weight} (v1), {@code io.bfq.weight} or {@code io.weight} (v2)
 * @param frozen   {@code freezer.state} (v1), {@code cgroup.freeze} (v2)
 */
public record CgroupLimits(CpuBandwidth cpu, int cpuWeight, Optional<CpuList> cpus, Optional<CpuList> mems,
                           boolean cpuExclusive, boolean memExclusive, Memory memory, long pidsMax, int ioWeight,
                           boolean frozen) {

    /** "max" in cgroup files: no limit. */
    public static final long MAX = -1;

    public static final CgroupLimits DEFAULT = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.empty(),
            Optional.empty(), false, false, Memory.UNLIMITED, MAX, 100, false);

    /**
     * @param periodUs 1000..1000000
     * @param quotaUs  >= 1000, or {@link #MAX}
     * @param burstUs  0..quotaUs (the kernel refuses more)
     */
    public record CpuBandwidth(long periodUs, long quotaUs, long burstUs) {
        public static final CpuBandwidth UNLIMITED = new CpuBandwidth(100_000, MAX, 0);
    }

    /**
     * @param max  hard limit, the OOM killer acts inside the guest above it; {@link #MAX} = none.
     *             Swap is no way around it: v1 sets {@code memory.memsw.limit_in_bytes} to the same
     *             value, v2 {@code memory.swap.max} to 0, whenever max is set.
     * @param high reclaim target: {@code memory.soft_limit_in_bytes} (v1), {@code memory.high} (v2); {@link #MAX} = none
     * @param low  protection from reclaim: {@code memory.low} (v2); v1 has none, 0 = none
     */
    public record Memory(long max, long high, long low) {
        public static final Memory UNLIMITED = new Memory(MAX, MAX, 0);
    }

    public CgroupLimits withFrozen(boolean f) {
        return new CgroupLimits(cpu, cpuWeight, cpus, mems, cpuExclusive, memExclusive, memory, pidsMax, ioWeight, f);
    }
}
