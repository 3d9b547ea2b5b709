package org.vserver.cgroup;

/**
 * How often the kernel enforced each limit of a guest, and what it uses now; -1 where the host's
 * controllers do not tell.
 *
 * @param periods         CFS bandwidth periods that had runnable tasks ({@code nr_periods})
 * @param throttled       periods in which the guest was held ({@code nr_throttled})
 * @param throttledUsec   total time held ({@code throttled_time} in ns on v1, {@code throttled_usec} on v2)
 * @param bursts          periods in which it used burst credit ({@code nr_bursts})
 * @param burstUsec       CPU time run on burst credit
 * @param oomKills        processes the OOM killer killed inside the guest ({@code oom_kill})
 * @param memoryFailures  times an allocation hit the hard limit ({@code memory.failcnt} v1, {@code memory.events max} v2)
 * @param forkRefusals    forks refused at {@code pids.max} ({@code pids.events max})
 * @param memoryBytes     memory in use now
 * @param memoryPeakBytes the most it used ({@code memory.max_usage_in_bytes} v1, {@code memory.peak} v2)
 * @param tasks           tasks (threads) now
 * @param frozen          whether the guest is frozen now
 */
public record Counters(long periods, long throttled, long throttledUsec, long bursts, long burstUsec, long oomKills,
                       long memoryFailures, long forkRefusals, long memoryBytes, long memoryPeakBytes, long tasks,
                       boolean frozen) {}
