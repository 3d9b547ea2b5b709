package org.vserver.testsupport;

/** A feature of the running kernel (or of how the host mounts it) that some tests need. */
public enum Feature {
    /** i386 system calls through {@code int 0x80} (CONFIG_IA32_EMULATION, not switched off at boot). */
    IA32_EMULATION("IA-32 emulation"),
    /** Landlock ABI 6: scopes, here LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET for shared-network guests. */
    LANDLOCK_SCOPES("Landlock scopes (ABI >= 6)"),
    /** The audit subsystem's netlink family (CONFIG_AUDIT). */
    NETLINK_AUDIT("NETLINK_AUDIT"),
    /** tcx attach points for tc BPF programs (Linux 6.6): the spoof filter of netns guests. */
    TCX("tcx (BPF_TCX_INGRESS)"),
    /** sk_lookup programs on a network namespace (Linux 5.9): wildcard steering of shared-network guests. */
    SK_LOOKUP("sk_lookup (BPF_SK_LOOKUP)"),
    /** cgroup v1 hierarchies of the cpu, cpuset, memory and pids controllers under /sys/fs/cgroup. */
    CGROUP_V1("cgroup v1 cpu, cpuset, memory and pids hierarchies"),
    /** The cgroup v1 devices controller at /sys/fs/cgroup/devices. */
    CGROUP_V1_DEVICES("cgroup v1 devices controller"),
    /** A cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified (where cgroup-bpf attaches). */
    CGROUP2("cgroup2 hierarchy"),
    /** /proc/keys (CONFIG_KEYS). */
    PROC_KEYS("/proc/keys (CONFIG_KEYS)"),
    /** At least two CPUs in the root cpuset (exclusive cpusets need one to give away). */
    TWO_CPUS("two CPUs"),
    /** btrfs in /proc/filesystems: the qgroup backend of disk limits. */
    BTRFS("btrfs"),
    /**
     * Growing a mounted ext4 (EXT4_IOC_RESIZE_FS), which the kernel allows only with
     * CAP_SYS_RESOURCE: some hosts (this sandbox) run root without it. Tests branch on it (the grow
     * is live, or applied at the next start); none is skipped for it.
     */
    EXT4_ONLINE_RESIZE("CAP_SYS_RESOURCE for ext4 online resize (EXT4_IOC_RESIZE_FS)");

    final String description;

    Feature(String description) { this.description = description; }
}
