package org.vserver.kernel;

import java.util.Set;

/** Namespace kinds as clone(2)/setns(2) flags, and their names under /proc/PID/ns. */
public enum Namespace {
    TIME(0x80L, "time"),
    MNT(0x20000L, "mnt"),
    CGROUP(0x02000000L, "cgroup"),
    UTS(0x04000000L, "uts"),
    IPC(0x08000000L, "ipc"),
    USER(0x10000000L, "user"),
    PID(0x20000000L, "pid"),
    NET(0x40000000L, "net");

    private final long flag;
    private final String procName;

    Namespace(long flag, String procName) {
        this.flag = flag;
        this.procName = procName;
    }

    public long flag() { return flag; }

    /** The entry under /proc/PID/ns/. */
    public String procName() { return procName; }

    /** The name rendered in plan text: NEWNS for the mount namespace, NEW + name otherwise. */
    public String flagName() { return this == MNT ? "NEWNS" : "NEW" + name(); }

    public static long bits(Set<Namespace> set) {
        long b = 0;
        for (Namespace n : set) b |= n.flag;
        return b;
    }
}
