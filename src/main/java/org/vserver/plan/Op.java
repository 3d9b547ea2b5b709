package org.vserver.plan;

/**
 * The launcher's instructions. Numbers and signatures have one home, {@code launcher/protocol.h};
 * {@code ProtocolHeaderTest} checks this enum against it. Never use {@code ordinal()} on the wire.
 */
public enum Op {
    CLOSE_FROM(1, "i"),
    UNSHARE(2, "N"),
    SETNS(3, "sN"),
    CLONE(4, "Ni"),
    AWAIT(5, "i"),
    SET_HOSTNAME(6, "s"),
    SET_DOMAINNAME(7, "s"),
    MKDIR(8, "so"),
    MKNOD(9, "sou"),
    SYMLINK(10, "ss"),
    MOUNT(11, "sssMs"),
    UMOUNT(12, "si"),
    PIVOT_ROOT(13, "s"),
    CHDIR(14, "s"),
    SET_RLIMIT(15, "iuu"),
    SET_PRIORITY(16, "i"),
    SETSID(17, ""),
    SET_IDS(18, "iiI"),
    SET_CAPS(19, "KKKKK"),
    NO_NEW_PRIVS(20, ""),
    EXEC(21, "svv"),
    EXEC_ARGV(22, "v"),
    WRITE_FILE(23, "ss"),
    VERIFY_PROC(24, "iu"),
    PTY_RELAY(25, ""),
    REAPER(26, ""),
    SET_UMASK(27, "o"),
    SETNS_PID(28, "iuN"),
    SET_IOPRIO(29, "ii"),
    OPEN_FD(30, "si"),
    WRITE_FD(31, "is"),
    SECCOMP(32, "F"),
    VERIFY_CWD(33, "s"),
    OPEN_ROOT(34, "s"),
    MKDIR_IN(35, "so"),
    MKNOD_IN(36, "sou"),
    SYMLINK_IN(37, "ss"),
    MOUNT_IN(38, "sssMs"),
    BIND_IN(39, "ssM"),
    OPEN_STDIO(40, "s"),
    USERNS_CREATE(41, "issNi"),
    SETNS_FD(42, "iN"),
    MOUNT_IDMAP(43, "ssiM"),
    BIND_IDMAP_IN(44, "ssiM"),
    LANDLOCK_SCOPE(45, "u"),
    CHOWN_IN(46, "sii"),
    CHOWN(47, "sii"),
    PRLIMIT(48, "iiuu"),
    MOUNT_LOOP(49, "sssMs"),
    JOURNAL(50, "s"),
    MKDIR_HOST(51, "so"),
    CGROUP_MKDIR(52, "s"),
    CREATE_FILE(53, "sso"),
    LINK(54, "ss"),
    BPF_ATTACH(55, "siiisE"),
    CPUSET_INHERIT(56, "s"),
    IF_UP(57, "s"),
    VERIFY_INIT(58, "s"),
    SETNS_INIT(59, "sN"),
    ADDR_ADD(60, "ssis"),
    NETNS_CREATE(61, "i"),
    VETH(62, "sssssiiE"),
    NETNS_CONFIG(63, "issvv"),
    NAT(64, "sss"),
    MOUNT_LOOP_HOST(65, "sssMs"),
    MONITOR(66, "sssuss"),
    CONSOLE(67, "ssii"),
    REBOOT_NOTIFY(68, ""),
    BOOT_ID(69, "ss"),
    TIMENS(70, ""),
    LXCFS(71, "sssvv"),
    LXCFS_BIND(72, "sss"),
    STEER(73, "ssEsiv");

    private final int code;
    private final String signature;

    Op(int code, String signature) {
        this.code = code;
        this.signature = signature;
    }

    public int code() { return code; }

    /** One {@link FieldType} character per field, in wire order. */
    public String signature() { return signature; }

    public static Op of(int code) {
        for (Op op : values()) if (op.code == code) return op;
        throw new IllegalArgumentException("unknown op " + code);
    }
}
