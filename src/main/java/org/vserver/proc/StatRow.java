package org.vserver.proc;

/**
 * One line of vserver-stat: a context and what its processes use.
 *
 * @param xid         the context id; 0 is the host ("root server")
 * @param name        the guest name
 * @param procs       number of tasks
 * @param vszBytes    virtual memory, summed over the processes; negative if unknown
 * @param rssBytes    resident memory (or the memory cgroup's usage); negative if unknown
 * @param userNanos   CPU time in user mode
 * @param sysNanos    CPU time in kernel mode
 * @param uptimeNanos time since the context's oldest process started
 */
public record StatRow(int xid, String name, int procs, long vszBytes, long rssBytes, long userNanos, long sysNanos,
                      long uptimeNanos) {}
