package org.vserver.bpf;

/** The kernel's numbers for the programs this project loads (include/uapi/linux/bpf.h). */
public final class Bpf {
    private Bpf() {}

    /** enum bpf_prog_type: a cgroup's device access check. */
    public static final int PROG_TYPE_CGROUP_DEVICE = 15;
    /** enum bpf_attach_type: the device hook of a cgroup. */
    public static final int CGROUP_DEVICE = 6;
    /**
     * Attach flag: the programs of the cgroup and of every ancestor all run, and access needs all of
     * them to allow it. Without it (flags 0) no descendant could attach a program of the type;
     * with BPF_F_ALLOW_OVERRIDE (1) a descendant's program would replace the ancestor's.
     */
    public static final int F_ALLOW_MULTI = 2;

    /** enum bpf_prog_type: a tc classifier (tcx), a socket's creation, a socket address hook. */
    public static final int PROG_TYPE_SCHED_CLS = 3, PROG_TYPE_CGROUP_SOCK = 9, PROG_TYPE_CGROUP_SOCK_ADDR = 18;
    /** enum bpf_attach_type: the cgroup socket hooks (v4 and v6) and a link's tcx ingress/egress (Linux 6.6+). */
    public static final int CGROUP_INET_SOCK_CREATE = 2, CGROUP_INET4_BIND = 8, CGROUP_INET6_BIND = 9,
            CGROUP_INET4_CONNECT = 10, CGROUP_INET6_CONNECT = 11, CGROUP_INET4_POST_BIND = 12, CGROUP_INET6_POST_BIND = 13,
            CGROUP_UDP4_SENDMSG = 14, CGROUP_UDP6_SENDMSG = 15, TCX_INGRESS = 46, TCX_EGRESS = 47;
    /** enum bpf_func_id: the helpers the network programs call. */
    public static final int FUNC_SKB_LOAD_BYTES = 26, FUNC_BIND = 64, FUNC_SET_RETVAL = 187;
    /** tcx verdicts (enum tcx_action_base): let the frame continue, drop it. */
    public static final int TCX_PASS = 0, TCX_DROP = 2;

    /** struct bpf_cgroup_dev_ctx: u32 access_type @0 (type low 16 bits, access high 16), u32 major @4, u32 minor @8. */
    public static final int DEV_ACCESS_TYPE = 0, DEV_MAJOR = 4, DEV_MINOR = 8;
    /** Device types in access_type's low half. */
    public static final int DEVCG_DEV_BLOCK = 1, DEVCG_DEV_CHAR = 2;
    /** Access bits in access_type's high half. */
    public static final int DEVCG_ACC_MKNOD = 1, DEVCG_ACC_READ = 2, DEVCG_ACC_WRITE = 4;
}
