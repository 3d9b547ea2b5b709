package org.vserver.limits;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code sched/} and the scheduler {@code cflags} of one guest.
 *
 * @param bucket the top-level parameters, which every CPU inherits
 * @param perCpu {@code sched/<x>/} subdirectories with a {@code cpu-id}: that CPU's own parameters
 *               (VServer kept one bucket per CPU; the kernel's bandwidth control has one per
 *               cgroup, so these add up to the guest's total, see {@link CpuShare})
 * @param hard   cflag {@code sched_hard}: the guest is held once its bucket is empty
 * @param prio   cflag {@code sched_prio}: work-conserving, the share only weighs the guest
 * @param pause  cflag {@code sched_pause}: every task of the guest is frozen
 */
public record Sched(TokenBucket bucket, SortedMap<Integer, TokenBucket> perCpu, boolean hard, boolean prio, boolean pause) {

    public static final Sched NONE = new Sched(TokenBucket.DEFAULTS, new TreeMap<>(), false, false, false);

    public Sched {
        perCpu = Collections.unmodifiableSortedMap(new TreeMap<>(perCpu));
    }

    /** The parameters for one CPU: its own subdirectory, else the top level. */
    public TokenBucket forCpu(int cpu) { return perCpu.getOrDefault(cpu, bucket); }
}
