package org.vserver.proc;

/**
 * One summary line of vtop: a context and what its processes used.
 *
 * @param xid         0 for the host ("MAIN")
 * @param name        the guest's name, "MAIN" for the host
 * @param tasks       number of processes
 * @param cpuPercent  CPU over the last interval, summed over the processes (100 = one CPU)
 * @param rssBytes    resident memory, summed over the processes
 * @param uptimeNanos time since the guest's init started (since boot for the host)
 */
public record TopGuest(int xid, String name, int tasks, double cpuPercent, long rssBytes, long uptimeNanos) {}
