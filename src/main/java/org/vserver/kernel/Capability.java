package org.vserver.kernel;

import java.util.Locale;
import java.util.Set;

/** Linux capabilities by number (linux/capability.h). */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
    LINUX_IMMUTABLE, NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER,
    SYS_MODULE, SYS_RAWIO, SYS_CHROOT, SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE,
    SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE, AUDIT_WRITE, AUDIT_CONTROL, SETFCAP,
    MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ, PERFMON, BPF,
    CHECKPOINT_RESTORE;

    /** The capability number; the declaration order above is the kernel's numbering. */
    public int number() { return ordinal(); }

    public long bit() { return 1L << number(); }

    /** Lower-case name without CAP_, as in plan text and util-vserver's files. */
    public String lowerName() { return name().toLowerCase(Locale.ROOT); }

    /**
     * Parses {@code CAP_NET_RAW}, {@code NET_RAW} or {@code net_raw}.
     * @throws IllegalArgumentException for an unknown name
     */
    public static Capability parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("CAP_")) n = n.substring(4);
        return valueOf(n);
    }

    public static long bits(Set<Capability> caps) {
        long b = 0;
        for (Capability c : caps) b |= c.bit();
        return b;
    }

    /** The capabilities named by a mask (CapBnd, CapEff, ...); bits the kernel has and this enum lacks are dropped. */
    public static Set<Capability> of(long bits) {
        Set<Capability> caps = java.util.EnumSet.noneOf(Capability.class);
        for (Capability c : values()) if ((bits & c.bit()) != 0) caps.add(c);
        return caps;
    }
}
