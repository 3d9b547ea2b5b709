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
    /** enum bpf_prog_type and bpf_attach_type of steering: a cgroup's TCP events (sock_ops), a netns's socket lookup. */
    public static final int PROG_TYPE_SOCK_OPS = 13, PROG_TYPE_SK_LOOKUP = 30, CGROUP_SOCK_OPS = 3, SK_LOOKUP = 36;
    /** enum bpf_func_id: the map and socket helpers of steering. */
    public static final int FUNC_MAP_LOOKUP_ELEM = 1, FUNC_SOCK_HASH_UPDATE = 70, FUNC_SK_RELEASE = 86, FUNC_SK_STORAGE_GET = 107,
            FUNC_SK_ASSIGN = 124, FUNC_SKC_TO_TCP6_SOCK = 136, FUNC_SKC_TO_UDP6_SOCK = 140;
    /** enum bpf_map_type: a hash, a hash of sockets (its lookup gives a referenced socket), a socket's own storage. */
    public static final int MAP_TYPE_HASH = 1, MAP_TYPE_SOCKHASH = 18, MAP_TYPE_SK_STORAGE = 24;
    /** Map flag: entries allocated on use (BPF_F_NO_PREALLOC), which BPF_MAP_TYPE_SK_STORAGE requires. */
    public static final int F_NO_PREALLOC = 1;
    /** ld_imm64's src_reg for "imm is an index into the fd_array passed to BPF_PROG_LOAD" (BPF_PSEUDO_MAP_IDX, Linux 5.14). */
    public static final int PSEUDO_MAP_IDX = 5;
    /** enum bpf_sock_ops op: listen() on a TCP socket; the hook needs no cb_flags for it. */
    public static final int SOCK_OPS_TCP_LISTEN_CB = 11;
    /** bpf_sk_storage_get's flag: create the socket's value (zeroed) if it has none. */
    public static final int SK_STORAGE_GET_F_CREATE = 1;
    /** An sk_lookup program's verdicts: drop the packet (a TCP SYN gets a RST), or go on (assigned or not). */
    public static final int SK_DROP = 0, SK_PASS = 1;
    /** A map update's flag: create or replace. */
    public static final int ANY = 0;
    /** tcx verdicts (enum tcx_action_base): let the frame continue, drop it. */
    public static final int TCX_PASS = 0, TCX_DROP = 2;

    /** struct bpf_cgroup_dev_ctx: u32 access_type @0 (type low 16 bits, access high 16), u32 major @4, u32 minor @8. */
    public static final int DEV_ACCESS_TYPE = 0, DEV_MAJOR = 4, DEV_MINOR = 8;
    /** Device types in access_type's low half. */
    public static final int DEVCG_DEV_BLOCK = 1, DEVCG_DEV_CHAR = 2;
    /** Access bits in access_type's high half. */
    public static final int DEVCG_ACC_MKNOD = 1, DEVCG_ACC_READ = 2, DEVCG_ACC_WRITE = 4;
}
