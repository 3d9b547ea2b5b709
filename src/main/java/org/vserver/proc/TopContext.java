package org.vserver.proc;

/**
 * A running guest as vtop needs it.
 *
 * @param xid        the guest's context id
 * @param name       the guest's name, as its cgroup is named
 * @param startTicks start time of its init in clock ticks after boot: the guest's uptime
 */
public record TopContext(int xid, String name, long startTicks) {}
