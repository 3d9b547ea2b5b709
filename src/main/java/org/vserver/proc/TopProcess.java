package org.vserver.proc;

/**
 * One process line of vtop.
 *
 * @param pid        the pid as the host sees it
 * @param xid        the context: 0 for the host, -1 for a guest cgroup of a guest that is not running
 * @param context    the guest's name, "MAIN" for the host
 * @param user       name of the owner: the host's, or for a guest's id the guest's own ({@link OwnerNames}); a number if none
 * @param hostUid    the owner's uid as the host sees it
 * @param cpuPercent CPU over the last interval (100 = one CPU; threads add up)
 * @param rssBytes   resident memory
 * @param state      stat field 3: R, S, D, Z, T, I, ...
 * @param cpuNanos   user + system time since the process started
 * @param command    its command line
 */
public record TopProcess(int pid, int xid, String context, String user, long hostUid, double cpuPercent, long rssBytes, char state,
                         long cpuNanos, String command) {}
