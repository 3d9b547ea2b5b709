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

    /** struct bpf_cgroup_dev_ctx: u32 access_type @0 (type low 16 bits, access high 16), u32 major @4, u32 minor @8. */
    public static final int DEV_ACCESS_TYPE = 0, DEV_MAJOR = 4, DEV_MINOR = 8;
    /** Device types in access_type's low half. */
    public static final int DEVCG_DEV_BLOCK = 1, DEVCG_DEV_CHAR = 2;
    /** Access bits in access_type's high half. */
    public static final int DEVCG_ACC_MKNOD = 1, DEVCG_ACC_READ = 2, DEVCG_ACC_WRITE = 4;
}
