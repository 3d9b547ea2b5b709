package org.vserver.limits;

import org.vserver.kernel.CpuList;
import java.util.Optional;

/**
 * {@code cpuset/}: where the guest's tasks may run and allocate memory.
 *
 * @param cpus          {@code cpuset/cpus}; empty = the parent's (all the host's CPUs)
 * @param mems          {@code cpuset/mems}; empty = the parent's
 * @param cpuExclusive  {@code cpuset/cpu_exclusive}: no sibling cpuset may share these CPUs
 * @param memExclusive  {@code cpuset/mem_exclusive}
 */
public record Cpuset(Optional<CpuList> cpus, Optional<CpuList> mems, boolean cpuExclusive, boolean memExclusive) {
    public static final Cpuset NONE = new Cpuset(Optional.empty(), Optional.empty(), false, false);
}
