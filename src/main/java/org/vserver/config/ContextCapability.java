package org.vserver.config;

import java.util.Locale;
import java.util.Map;

/**
 * VServer's context capabilities ({@code ccapabilities}, reference §4.4): each let guest root do
 * one privileged thing without the Linux capability that would also allow much more. Mainline has
 * no per-guest capabilities. A ccap with a per-namespace equivalent is implemented; the others are
 * accepted, so util-vserver configurations still read, and change nothing. Declared in the order of
 * VServer's bits (include/uapi/vserver/context.h, {@code VXC_*}).
 *
 * <p>Not in package {@code kernel}: these are VServer's vocabulary, not the kernel's.
 */
public enum ContextCapability {
    /** sethostname/setdomainname in the guest. Ignored: every guest has its own UTS namespace, named from uts/ at start; renaming it from inside needs CAP_SYS_ADMIN, which no guest has. */
    SET_UTSNAME,
    /** Raising rlimits above the hard limit. Ignored: mainline asks for CAP_SYS_RESOURCE (bcapabilities), which allows far more. */
    SET_RLIMIT,
    /** Setting security.* extended attributes. Ignored: mainline leaves them to the LSM and CAP_SYS_ADMIN. */
    FS_SECURITY,
    /** Setting trusted.* extended attributes. Ignored: mainline requires CAP_SYS_ADMIN. */
    FS_TRUSTED,
    /** Faking terminal input (TIOCSTI). Ignored: the host's dev.tty.legacy_tiocsti and CAP_SYS_ADMIN decide. */
    TIOCSTI,
    /** ICMP sockets without CAP_NET_RAW, so ping works. Implemented: ICMP datagram sockets, net.ipv4.ping_group_range opened in a guest's own network namespace. */
    RAW_ICMP,
    /** syslog(2), the guest's kernel log. Ignored: mainline has one kernel log, the host's (CAP_SYSLOG in bcapabilities would show it). */
    SYSLOG,
    /** Lowering oom_score_adj. Ignored: mainline asks for CAP_SYS_RESOURCE. */
    OOM_ADJUST,
    /** Changing audit rules. Ignored: the audit subsystem is the host's (CAP_AUDIT_CONTROL in the initial user namespace). */
    AUDIT_CONTROL,
    /** "Safe" mounts (nodev) from inside the guest. Ignored: mount(2) needs CAP_SYS_ADMIN; fstab is mounted by the host at start. */
    SECURE_MOUNT,
    /** Remounts from inside the guest. Ignored: as SECURE_MOUNT. */
    SECURE_REMOUNT,
    /** Mounts that take binary data (nfs, ...). Ignored: as SECURE_MOUNT. */
    BINARY_MOUNT,
    /** Mounts of block devices. Ignored: as SECURE_MOUNT. */
    DEV_MOUNT,
    /** quotactl(2) on the guest's filesystems. Ignored: mainline requires CAP_SYS_ADMIN. */
    QUOTA_CTL,
    /** Device-mapper administration. Ignored: mainline requires CAP_SYS_ADMIN on the host's devices. */
    ADMIN_MAPPER,
    /** Loop-device administration. Ignored: mainline requires CAP_SYS_ADMIN on the host's devices. */
    ADMIN_CLOOP,
    /** Kernel threads (nfsd, ...) started for the guest. Ignored: mainline's kernel threads all belong to the host. */
    KTHREAD,
    /** unshare/setns from inside the guest. Ignored: the bounding set and the seccomp filter decide. */
    NAMESPACE;

    /** util-vserver's deprecated spellings (lib/val2text-t2v-ccaps.c), still found in old configurations. */
    private static final Map<String, ContextCapability> ALIASES = Map.of(
            "mount", SECURE_MOUNT, "remount", SECURE_REMOUNT, "icmp", RAW_ICMP, "ping", RAW_ICMP,
            "utsname", SET_UTSNAME, "rlimit", SET_RLIMIT);

    /** The name as util-vserver writes it in {@code ccapabilities}: {@code raw_icmp}. */
    public String lowerName() { return name().toLowerCase(Locale.ROOT); }

    /**
     * Parses a name as util-vserver's vc_text2ccap does: case-insensitive, with or without
     * {@code VXC_}, or a deprecated alias ({@code ping} is {@code raw_icmp}).
     * @throws IllegalArgumentException for an unknown name
     */
    public static ContextCapability parse(String s) {
        String n = s.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("vxc_")) n = n.substring(4);
        ContextCapability alias = ALIASES.get(n);
        return alias != null ? alias : valueOf(n.toUpperCase(Locale.ROOT));
    }
}
