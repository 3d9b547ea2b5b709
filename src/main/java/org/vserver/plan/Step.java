package org.vserver.plan;

import org.vserver.bpf.EbpfProgram;
import org.vserver.bpf.ClassicProgram;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Rlimit;
import org.vserver.kernel.Capability;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One instruction of a {@link Plan}: a record per launcher op, named after its syscall. {@link
 * #fields()} gives the values in the op's wire order (see {@link Op#signature()}), so the writer
 * and the text rendering need no per-op code.
 */
public sealed interface Step {

    Op op();

    List<Object> fields();

    /** close_range(fd, ~0U, 0): drop every inherited descriptor from {@code fd} up. */
    record CloseFrom(int fd) implements Step {
        public Op op() { return Op.CLOSE_FROM; }
        public List<Object> fields() { return List.of(fd); }
    }

    record Unshare(Set<Namespace> namespaces) implements Step {
        public Unshare { namespaces = Set.copyOf(namespaces); }
        public Op op() { return Op.UNSHARE; }
        public List<Object> fields() { return List.of(Namespace.bits(namespaces)); }
    }

    /** setns(open(path), type). */
    record SetNs(String path, Namespace type) implements Step {
        public Op op() { return Op.SETNS; }
        public List<Object> fields() { return List.of(path, type.flag()); }
    }

    /** clone(2) into new namespaces; the steps after it run in the child. */
    record Clone(Set<Namespace> namespaces, ParentMode parentMode) implements Step {
        public Clone { namespaces = Set.copyOf(namespaces); }
        public Op op() { return Op.CLONE; }
        public List<Object> fields() { return List.of(Namespace.bits(namespaces), parentMode.code); }
    }

    /** What the launcher's parent stage does after a {@link Clone}. */
    enum ParentMode {
        /** Report the child's pid and exit 0: the guest init is left to the host's reaper. */
        EXIT(0),
        /** Report the pid, forward signals, wait and exit with the child's status (exec, enter). */
        WAIT(1);

        final int code;

        ParentMode(int code) { this.code = code; }
    }

    record Await(Sync sync) implements Step {
        public Op op() { return Op.AWAIT; }
        public List<Object> fields() { return List.of(sync.id()); }
    }

    record SetHostname(String name) implements Step {
        public Op op() { return Op.SET_HOSTNAME; }
        public List<Object> fields() { return List.of(name); }
    }

    record SetDomainname(String name) implements Step {
        public Op op() { return Op.SET_DOMAINNAME; }
        public List<Object> fields() { return List.of(name); }
    }

    record Mkdir(String path, int mode) implements Step {
        public Op op() { return Op.MKDIR; }
        public List<Object> fields() { return List.of(path, mode); }
    }

    /** mknod(path, mode, makedev(major, minor)); mode includes the file type bits. */
    record Mknod(String path, int mode, long dev) implements Step {
        public static final int S_IFCHR = 0020000;

        public static Mknod charDevice(String path, int perm, int major, int minor) {
            return new Mknod(path, S_IFCHR | perm, makedev(major, minor));
        }

        /** glibc's makedev(3) encoding. */
        public static long makedev(int major, int minor) {
            long ma = major & 0xffffffffL, mi = minor & 0xffffffffL;
            return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
        }

        public Op op() { return Op.MKNOD; }
        public List<Object> fields() { return List.of(path, mode, dev); }
    }

    record Symlink(String target, String linkPath) implements Step {
        public Op op() { return Op.SYMLINK; }
        public List<Object> fields() { return List.of(target, linkPath); }
    }

    /** mount(2); null source, type or data are passed as NULL. */
    record Mount(String source, String target, String fsType, Set<MountFlag> flags, String data) implements Step {
        public Mount {
            flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        }
        public Op op() { return Op.MOUNT; }
        public List<Object> fields() {
            return java.util.Arrays.asList(source, target, fsType, MountFlag.bits(flags), data);
        }
    }

    /**
     * A filesystem image (a host file) mounted on the host path {@code target} through a free loop
     * device the launcher binds with autoclear: the mount holds the device's last reference, so
     * unmounting it, or the end of the last mount namespace that has it, frees the device; nothing
     * is left to undo after a dead guest or a failed start. {@link MountFlag#RDONLY} opens the
     * image and the device read-only. {@code data} may be null; the flags are those of a new
     * mount: no remount, bind, move or propagation change (mount(2) would take the device's node
     * for their source).
     */
    record MountLoop(String image, String target, String fsType, Set<MountFlag> flags, String data) implements Step {
        static final Set<MountFlag> NOT_A_NEW_MOUNT = Set.copyOf(EnumSet.of(MountFlag.REMOUNT, MountFlag.BIND,
                MountFlag.MOVE, MountFlag.REC, MountFlag.UNBINDABLE, MountFlag.PRIVATE, MountFlag.SLAVE, MountFlag.SHARED));

        public MountLoop {
            Objects.requireNonNull(image, "MountLoop: image");
            Objects.requireNonNull(target, "MountLoop: target");
            Objects.requireNonNull(fsType, "MountLoop: fsType");
            if (flags.stream().anyMatch(NOT_A_NEW_MOUNT::contains))
                throw new IllegalArgumentException("MountLoop of " + image + ": " + flags + " is not a new mount");
            flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        }
        public Op op() { return Op.MOUNT_LOOP; }
        public List<Object> fields() {
            return java.util.Arrays.asList(image, target, fsType, MountFlag.bits(flags), data);
        }
    }

    /** umount2(target, flags); {@link #DETACH} is MNT_DETACH. */
    record Umount(String target, int flags) implements Step {
        public static final int DETACH = 2;
        public Op op() { return Op.UMOUNT; }
        public List<Object> fields() { return List.of(target, flags); }
    }

    /** chdir(newRoot); pivot_root(".", "."): the old root ends up stacked under the new one. */
    record PivotRoot(String newRoot) implements Step {
        public Op op() { return Op.PIVOT_ROOT; }
        public List<Object> fields() { return List.of(newRoot); }
    }

    record Chdir(String path) implements Step {
        public Op op() { return Op.CHDIR; }
        public List<Object> fields() { return List.of(path); }
    }

    /**
     * The working directory must be reachable from the root (getcwd(2) not "(unreachable)...") and
     * be {@code path} (same device and inode): the last word on the cwd before exec (CVE-2024-21626).
     * The launcher also checks that {@code /..} is {@code /} (same mount, device and inode): after a
     * pivot_root, nothing (the old root, the host's) is left stacked on the new root.
     */
    record VerifyCwd(String path) implements Step {
        public Op op() { return Op.VERIFY_CWD; }
        public List<Object> fields() { return List.of(path); }
    }

    /**
     * open(path, O_WRONLY|O_APPEND|O_NOCTTY|O_NOFOLLOW) as fds 1 and 2: the init's stdout and stderr
     * become its console, a regular file (or character device) inside the guest's own tree.
     */
    record OpenStdio(String path) implements Step {
        public Op op() { return Op.OPEN_STDIO; }
        public List<Object> fields() { return List.of(path); }
    }

    /** setrlimit(resource, {soft, hard}); {@link #INFINITY} is RLIM_INFINITY. */
    record SetRlimit(Rlimit resource, long soft, long hard) implements Step {
        public static final long INFINITY = -1L;
        public Op op() { return Op.SET_RLIMIT; }
        public List<Object> fields() { return List.of(resource.number(), soft, hard); }
    }

    record SetPriority(int nice) implements Step {
        public Op op() { return Op.SET_PRIORITY; }
        public List<Object> fields() { return List.of(nice); }
    }

    /**
     * ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(ioClass, data)), as {@code ionice -c -n}:
     * inherited by every process the guest starts.
     */
    record SetIoprio(int ioClass, int data) implements Step {
        public Op op() { return Op.SET_IOPRIO; }
        public List<Object> fields() { return List.of(ioClass, data); }
    }

    record Setsid() implements Step {
        public Op op() { return Op.SETSID; }
        public List<Object> fields() { return List.of(); }
    }

    record SetIds(int uid, int gid, List<Integer> groups) implements Step {
        public SetIds { groups = List.copyOf(groups); }
        public Op op() { return Op.SET_IDS; }
        public List<Object> fields() { return List.of(uid, gid, groups); }
    }

    record SetCaps(Set<Capability> bounding, Set<Capability> effective, Set<Capability> permitted,
                   Set<Capability> inheritable, Set<Capability> ambient) implements Step {
        public SetCaps {
            bounding = Set.copyOf(bounding);
            effective = Set.copyOf(effective);
            permitted = Set.copyOf(permitted);
            inheritable = Set.copyOf(inheritable);
            ambient = Set.copyOf(ambient);
        }
        public Op op() { return Op.SET_CAPS; }
        public List<Object> fields() {
            return List.of(Capability.bits(bounding), Capability.bits(effective), Capability.bits(permitted),
                    Capability.bits(inheritable), Capability.bits(ambient));
        }
    }

    record NoNewPrivs() implements Step {
        public Op op() { return Op.NO_NEW_PRIVS; }
        public List<Object> fields() { return List.of(); }
    }

    record Exec(String path, List<String> argv, List<String> envp) implements Step {
        public Exec { argv = List.copyOf(argv); envp = List.copyOf(envp); }
        public Op op() { return Op.EXEC; }
        public List<Object> fields() { return List.of(path, argv, envp); }
    }

    /** Replay plans only: exec the launcher's own command line with this environment. */
    record ExecArgv(List<String> envp) implements Step {
        public ExecArgv { envp = List.copyOf(envp); }
        public Op op() { return Op.EXEC_ARGV; }
        public List<Object> fields() { return List.of(envp); }
    }

    record WriteFile(String path, String content) implements Step {
        public Op op() { return Op.WRITE_FILE; }
        public List<Object> fields() { return List.of(path, content); }
    }

    /** open(path, O_WRONLY|O_CLOEXEC) as fd {@code fd} (> 4): a host file kept for after the setns. */
    record OpenFd(String path, int fd) implements Step {
        public Op op() { return Op.OPEN_FD; }
        public List<Object> fields() { return List.of(path, fd); }
    }

    /** write(fd, content), close(fd): the other half of {@link OpenFd}. */
    record WriteFd(int fd, String content) implements Step {
        public Op op() { return Op.WRITE_FD; }
        public List<Object> fields() { return List.of(fd, content); }
    }

    /** Fails with ESRCH unless /proc/pid/stat still shows the same start time (pid reuse guard). */
    record VerifyProc(int pid, long startTicks) implements Step {
        public Op op() { return Op.VERIFY_PROC; }
        public List<Object> fields() { return List.of(pid, startTicks); }
    }

    record PtyRelay() implements Step {
        public Op op() { return Op.PTY_RELAY; }
        public List<Object> fields() { return List.of(); }
    }

    /**
     * setns(pidfd_open(pid), namespaces): joins a running guest's namespaces at once, through a
     * pidfd checked against the init's start time, so a recycled pid cannot be joined.
     */
    record SetNsPid(int pid, long startTicks, Set<Namespace> namespaces) implements Step {
        public SetNsPid { namespaces = Set.copyOf(namespaces); }
        public Op op() { return Op.SETNS_PID; }
        public List<Object> fields() { return List.of(pid, startTicks, Namespace.bits(namespaces)); }
    }

    /** umask(2): the launcher starts with the JVM's; modes in the plan are meant exactly. */
    record SetUmask(int mask) implements Step {
        public Op op() { return Op.SET_UMASK; }
        public List<Object> fields() { return List.of(mask); }
    }

    /**
     * seccomp(SECCOMP_SET_MODE_FILTER, 0, program): every later op, and everything the guest
     * starts, runs under it. Without no_new_privs this needs CAP_SYS_ADMIN: it comes before
     * {@link SetCaps}, and the program must allow what the remaining ops call.
     */
    record Seccomp(ClassicProgram program) implements Step {
        public Op op() { return Op.SECCOMP; }
        public List<Object> fields() { return List.of(program); }
    }

    /**
     * landlock_restrict_self(landlock_create_ruleset({.scoped = bits})) (Landlock ABI 6, Linux
     * 6.12+): a domain that handles no access, only scopes. With {@link #ABSTRACT_UNIX_SOCKET}
     * this process and all it starts reach only the abstract unix sockets created in the same
     * domain. Like {@link Seccomp} it needs CAP_SYS_ADMIN without no_new_privs: before {@link SetCaps}.
     */
    record LandlockScope(long scoped) implements Step {
        /** LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET. */
        public static final long ABSTRACT_UNIX_SOCKET = 1;
        public Op op() { return Op.LANDLOCK_SCOPE; }
        public List<Object> fields() { return List.of(scoped); }
    }

    /**
     * open(path, O_PATH|O_DIRECTORY): the guest root the {@code *In} steps resolve their paths in.
     * {@code path} is the admin's (the vdir) and is resolved on the host.
     */
    record OpenRoot(String path) implements Step {
        public Op op() { return Op.OPEN_ROOT; }
        public List<Object> fields() { return List.of(path); }
    }

    /*
     * The steps on paths inside the guest's tree. Each path is as the guest sees it ("/dev/null")
     * and is resolved by the launcher from the fd of OpenRoot with openat2(RESOLVE_IN_ROOT |
     * RESOLVE_NO_MAGICLINKS): the guest's links cannot lead out of its tree, the last component is
     * never followed (a link there fails ELOOP), and the root itself is never a target (EXDEV).
     */

    /** mkdirat in the guest root; an existing directory is fine, a link there is not. */
    record MkdirIn(String path, int mode) implements Step {
        public Op op() { return Op.MKDIR_IN; }
        public List<Object> fields() { return List.of(path, mode); }
    }

    /** mknodat in the guest root; mode includes the file type bits ({@link Mknod#S_IFCHR}, 0100000 a regular file). */
    record MknodIn(String path, int mode, long dev) implements Step {
        public static MknodIn charDevice(String path, int perm, int major, int minor) {
            return new MknodIn(path, Mknod.S_IFCHR | perm, Mknod.makedev(major, minor));
        }
        public Op op() { return Op.MKNOD_IN; }
        public List<Object> fields() { return List.of(path, mode, dev); }
    }

    /** symlinkat in the guest root: {@code linkPath -> target} (the target is text; nothing follows it here). */
    record SymlinkIn(String target, String linkPath) implements Step {
        public Op op() { return Op.SYMLINK_IN; }
        public List<Object> fields() { return List.of(target, linkPath); }
    }

    /**
     * mount(2) on a target in the guest root; the source is passed as it is: a filesystem's name, a
     * host path (an fstab bind, the console file) or null (a remount).
     */
    record MountIn(String source, String target, String fsType, Set<MountFlag> flags, String data) implements Step {
        public MountIn {
            flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        }
        public Op op() { return Op.MOUNT_IN; }
        public List<Object> fields() {
            return java.util.Arrays.asList(source, target, fsType, MountFlag.bits(flags), data);
        }
    }

    /** A bind mount with source and target both in the guest root (a mask's /dev/null, a tree bound onto itself). */
    record BindIn(String source, String target, Set<MountFlag> flags) implements Step {
        public BindIn {
            if (!flags.contains(MountFlag.BIND)) throw new IllegalArgumentException("BindIn without BIND: " + flags);
            flags = Set.copyOf(EnumSet.copyOf(flags));
        }
        public Op op() { return Op.BIND_IN; }
        public List<Object> fields() { return List.of(source, target, MountFlag.bits(flags)); }
    }

    /** chown(path, uid, gid) in the guest root, on the file itself: a link there is refused (ELOOP), never followed; -1 keeps an id. */
    record ChownIn(String path, int uid, int gid) implements Step {
        public Op op() { return Op.CHOWN_IN; }
        public List<Object> fields() { return List.of(path, uid, gid); }
    }

    /** lchown(path, uid, gid) on a host path (a guest's cgroup directory, for delegation); -1 keeps an id. */
    record Chown(String path, int uid, int gid) implements Step {
        public Op op() { return Op.CHOWN; }
        public List<Object> fields() { return List.of(path, uid, gid); }
    }

    /** prlimit(2) of another process (a host pid); one that has exited meanwhile is skipped. */
    record Prlimit(int pid, Rlimit resource, long soft, long hard) implements Step {
        public Op op() { return Op.PRLIMIT; }
        public List<Object> fields() { return List.of(pid, resource.number(), soft, hard); }
    }

    /*
     * User-namespaced guests (doc/userns.md). The namespaces a UsernsCreate makes are held by fds
     * until the child joins them (SetNsFd); the fds are close-on-exec and survive CLONE.
     */

    /**
     * A new user namespace with the given maps, and the {@code namespaces} that must be owned by
     * it (the guest's netns): the launcher forks a holder that unshares the user namespace, writes
     * its {@code uid_map}/{@code gid_map} as host root ({@code "0 100000 65536\n"}, see {@link
     * #mapLine}), has the holder unshare {@code namespaces}, and leaves the user namespace at fd
     * {@code fd} and the others after it ({@link #fdOf}). The holder is gone when the step ends.
     * {@code userNamespaces} (>= 0) is written by the holder, inside the new namespace, as its
     * {@code user.max_user_namespaces}: how many user namespaces it may hold (-1: the kernel's).
     */
    record UsernsCreate(int fd, String uidMap, String gidMap, Set<Namespace> namespaces, int userNamespaces) implements Step {
        /** With the kernel's default limit of nested user namespaces. */
        public UsernsCreate(int fd, String uidMap, String gidMap, Set<Namespace> namespaces) {
            this(fd, uidMap, gidMap, namespaces, -1);
        }

        public UsernsCreate {
            if (userNamespaces < -1) throw new IllegalArgumentException("UsernsCreate: a limit of " + userNamespaces + " user namespaces");
            if (fd <= 4) throw new IllegalArgumentException("UsernsCreate at fd " + fd + ": fds up to 4 are the launcher's");
            if (namespaces.contains(Namespace.USER))
                throw new IllegalArgumentException("UsernsCreate: the user namespace is its own, not one of " + namespaces);
            namespaces = Set.copyOf(namespaces);
        }

        /** One line of a uid_map or gid_map: {@code count} ids from {@code inside} map to host ids from {@code outside}. */
        public static String mapLine(long inside, long outside, long count) {
            return inside + " " + outside + " " + count + "\n";
        }

        /** The fd the launcher leaves {@code ns} at: the user namespace at {@link #fd}, the others after it in clone-flag order. */
        public int fdOf(Namespace ns) {
            if (ns == Namespace.USER) return fd;
            if (!namespaces.contains(ns)) throw new IllegalArgumentException(ns + " is not created by " + this);
            int at = fd + 1;
            for (Namespace n : Namespace.values()) // declared in ascending flag order, as the launcher counts
                if (n == ns) return at;
                else if (namespaces.contains(n)) at++;
            throw new AssertionError(ns);
        }

        public Op op() { return Op.USERNS_CREATE; }
        public List<Object> fields() { return List.of(fd, uidMap, gidMap, Namespace.bits(namespaces), userNamespaces); }
    }

    /** setns(fd, type), then close(fd): joins a namespace a {@link UsernsCreate} left at {@code fd}. */
    record SetNsFd(int fd, Namespace type) implements Step {
        public Op op() { return Op.SETNS_FD; }
        public List<Object> fields() { return List.of(fd, type.flag()); }
    }

    /** The mount flags an idmapped mount can carry: each is a MOUNT_ATTR_* of mount_setattr(2). */
    Set<MountFlag> IDMAP_ATTRS = Set.copyOf(EnumSet.of(MountFlag.RDONLY, MountFlag.NOSUID, MountFlag.NODEV, MountFlag.NOEXEC,
            MountFlag.NOSYMFOLLOW, MountFlag.NOATIME, MountFlag.NODIRATIME, MountFlag.RELATIME, MountFlag.STRICTATIME));

    private static Set<MountFlag> idmapAttrs(Set<MountFlag> attrs) {
        if (!IDMAP_ATTRS.containsAll(attrs))
            throw new IllegalArgumentException("an idmapped mount takes only " + IDMAP_ATTRS + ", not " + attrs);
        return attrs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(attrs));
    }

    /**
     * The tree at {@code source} (a host path, with its submounts) mounted on the host path {@code
     * target}, its ids mapped through the user namespace at {@code usernsFd}: a file owned by 0 on
     * disk is the guest's root inside, and what guest root creates is stored as 0. {@code attrs}
     * come from {@link #IDMAP_ATTRS} and apply to the whole tree.
     */
    record MountIdmap(String source, String target, int usernsFd, Set<MountFlag> attrs) implements Step {
        public MountIdmap { attrs = idmapAttrs(attrs); }
        public Op op() { return Op.MOUNT_IDMAP; }
        public List<Object> fields() { return List.of(source, target, usernsFd, MountFlag.bits(attrs)); }
    }

    /** As {@link MountIdmap}, the target in the guest root (resolved like the other {@code *In} steps). */
    record BindIdmapIn(String source, String target, int usernsFd, Set<MountFlag> attrs) implements Step {
        public BindIdmapIn { attrs = idmapAttrs(attrs); }
        public Op op() { return Op.BIND_IDMAP_IN; }
        public List<Object> fields() { return List.of(source, target, usernsFd, MountFlag.bits(attrs)); }
    }

    record Reaper() implements Step {
        public Op op() { return Op.REAPER; }
        public List<Object> fields() { return List.of(); }
    }

    /*
     * Host changes of a start (doc/plan-cache.md): the launcher appends each to the undo journal
     * before it makes it, so a failed or killed start is undone exactly, in C.
     */

    /** Opens the undo journal (O_APPEND): every host change after it is recorded there first. */
    record Journal(String path) implements Step {
        public Op op() { return Op.JOURNAL; }
        public List<Object> fields() { return List.of(path); }
    }

    /** mkdir(2) on the host, an existing directory fine; undone by rmdir, which leaves one still in use. */
    record MkdirHost(String path, int mode) implements Step {
        public Op op() { return Op.MKDIR_HOST; }
        public List<Object> fields() { return List.of(path, mode); }
    }

    /** A guest's cgroup directory, which must not exist yet; undone by killing what is in it, then rmdir. */
    record CgroupMkdir(String path) implements Step {
        public Op op() { return Op.CGROUP_MKDIR; }
        public List<Object> fields() { return List.of(path); }
    }

    /** A new host file (O_EXCL, no link followed) with its content; undone by unlink. */
    record CreateFile(String path, String content, int mode) implements Step {
        public Op op() { return Op.CREATE_FILE; }
        public List<Object> fields() { return List.of(path, content, mode); }
    }

    /** link(2): the cached exec plan becomes the running guest's own inode; undone by unlink. */
    record Link(String source, String target) implements Step {
        public Op op() { return Op.LINK; }
        public List<Object> fields() { return List.of(source, target); }
    }

    /** A cgroup-bpf program loaded at run time and attached to {@code cgroup} (the device policy). */
    record BpfAttach(String cgroup, int progType, int attachType, int flags, String name,
                     EbpfProgram program) implements Step {
        public Op op() { return Op.BPF_ATTACH; }
        public List<Object> fields() { return List.of(cgroup, progType, attachType, flags, name, program); }
    }

    /** v1: a new cpuset gets the parent's CPUs and nodes less the exclusive siblings', decided at run time. */
    record CpusetInherit(String dir) implements Step {
        public Op op() { return Op.CPUSET_INHERIT; }
        public List<Object> fields() { return List.of(dir); }
    }

    /** SIOCSIFFLAGS IFF_UP of a device of the current network namespace (a new one's loopback). */
    record IfUp(String device) implements Step {
        public Op op() { return Op.IF_UP; }
        public List<Object> fields() { return List.of(device); }
    }

    /** As VerifyProc, for the init named by a run state file (init.pid, init.starttime) read at run time. */
    record VerifyInit(String stateFile) implements Step {
        public Op op() { return Op.VERIFY_INIT; }
        public List<Object> fields() { return List.of(stateFile); }
    }

    /** As SetnsPid, for the init named by a run state file read at run time: an exec plan written before the init exists. */
    record SetNsInit(String stateFile, Set<Namespace> namespaces) implements Step {
        public SetNsInit { namespaces = Set.copyOf(namespaces); }
        public Op op() { return Op.SETNS_INIT; }
        public List<Object> fields() { return List.of(stateFile, Namespace.bits(namespaces)); }
    }

    /**
     * A shared guest's address on a host device (RTM_NEWADDR), refused if any device has it now;
     * journaled, so that a failed or stopped start deletes it again.
     *
     * @param label the IPv4 label ({@code dev:name}), or null
     */
    record AddrAdd(String dev, String address, int prefix, String label) implements Step {
        public AddrAdd {
            Objects.requireNonNull(dev, "AddrAdd: dev");
            Objects.requireNonNull(address, "AddrAdd: address");
        }
        public Op op() { return Op.ADDR_ADD; }
        public List<Object> fields() { return java.util.Arrays.asList(dev, address, prefix, label); }
    }

    /** A network namespace owned by the host's user namespace, held at {@code fd} (a guest without a user namespace of its own). */
    record NetnsCreate(int fd) implements Step {
        public Op op() { return Op.NETNS_CREATE; }
        public List<Object> fields() { return List.of(fd); }
    }

    /**
     * A netns guest's veth: {@code host} a port of {@code bridge} (made, with vserver's marker in
     * {@code rundir}, if the host has none), {@code guest} with {@code mac} made in the namespace at
     * {@code netnsFd}, both of {@code mtu} (-1: the bridge's), {@code spoof} at tcx ingress of {@code host}.
     */
    record Veth(String bridge, String rundir, String host, String guest, String mac, int netnsFd, int mtu,
                EbpfProgram spoof) implements Step {
        public Veth {
            Objects.requireNonNull(bridge, "Veth: bridge");
            Objects.requireNonNull(spoof, "Veth: spoof");
        }
        public Op op() { return Op.VETH; }
        public List<Object> fields() { return List.of(bridge, rundir, host, guest, mac, netnsFd, mtu, spoof); }
    }

    /**
     * Inside the namespace at {@code netnsFd}: lo and {@code guest} up, its {@code addresses}
     * ("A/P"), a default route via each of {@code gateways}; none: via {@code bridge}'s own address
     * in the guest's subnet, found at run time.
     */
    record NetnsConfig(int netnsFd, String guest, String bridge, List<String> addresses, List<String> gateways) implements Step {
        public NetnsConfig {
            addresses = List.copyOf(addresses);
            gateways = List.copyOf(gateways);
        }
        public Op op() { return Op.NETNS_CONFIG; }
        public List<Object> fields() { return List.of(netnsFd, guest, bridge, addresses, gateways); }
    }

    /** {@code nft -f -} of {@code ruleset}, the guest's own table {@code table}; the program at {@code nft}. */
    record Nat(String nft, String table, String ruleset) implements Step {
        public Op op() { return Op.NAT; }
        public List<Object> fields() { return List.of(nft, table, ruleset); }
    }

    /**
     * {@link MountLoop} on the host by a start (a disk-limited guest's private layer), refused at run
     * time if the target is mounted already or the image is in use, and journaled: undone detached.
     */
    record MountLoopHost(MountLoop mount) implements Step {
        public Op op() { return Op.MOUNT_LOOP_HOST; }
        public List<Object> fields() { return mount.fields(); }
    }

    /**
     * Forks the guest's monitor, the host process that holds its console and reaps its init
     * (launcher/monitor.c): it logs the console to {@code log} (rotated at {@code logSize} bytes),
     * serves {@code run}/console, and when the init has gone undoes the start unless a command holds
     * {@code lock}; after a reboot it runs {@code cli NAME start}.
     */
    record Monitor(String run, String log, String lock, long logSize, String cli, String name) implements Step {
        public Op op() { return Op.MONITOR; }
        public List<Object> fields() { return List.of(run, log, lock, logSize, cli, name); }
    }

    /**
     * The guest's console: a pty of its devpts at {@code ptmx}, its peer owned by uid:gid, bound
     * onto {@code console} and made fds 1 and 2; the master goes to the {@link Monitor}.
     */
    record Console(String ptmx, String console, int uid, int gid) implements Step {
        public Op op() { return Op.CONSOLE; }
        public List<Object> fields() { return List.of(ptmx, console, uid, gid); }
    }

    /**
     * A seccomp filter of reboot(2) alone, whose listener goes to the {@link Monitor}: a guest's
     * reboot or power off ends its init, and the monitor knows which it was (launcher/monitor.c).
     */
    record RebootNotify() implements Step {
        public Op op() { return Op.REBOOT_NOTIFY; }
        public List<Object> fields() { return List.of(); }
    }

    /**
     * A boot id of the guest's own for this start: a new random UUID written to {@code scratch},
     * bound read-only onto {@code target} (its /proc/sys/kernel/random/boot_id), scratch unlinked.
     */
    record BootId(String scratch, String target) implements Step {
        public Op op() { return Op.BOOT_ID; }
        public List<Object> fields() { return List.of(scratch, target); }
    }

    /**
     * A time namespace for the children, whose monotonic and boot clocks start at 0: the guest's
     * uptime, btime and process start times count from its start (VServer's virt_uptime).
     */
    record TimeNs() implements Step {
        public Op op() { return Op.TIMENS; }
        public List<Object> fields() { return List.of(); }
    }

    /**
     * An lxcfs serving {@code dir}, started as {@code binary args... dir} under {@code lock} if none
     * does; {@code needs} are "VIEW FLAG|FLAG" lines, a view a running lxcfs serves only with one of
     * those flags. Never fails a start: what cannot be served is a warning and its views are off.
     */
    record Lxcfs(String binary, String dir, String lock, List<String> args, List<String> needs) implements Step {
        public Lxcfs {
            args = List.copyOf(args);
            needs = List.copyOf(needs);
        }

        public Op op() { return Op.LXCFS; }
        public List<Object> fields() { return List.of(binary, dir, lock, args, needs); }
    }

    /** {@code source} (a file or directory of lxcfs) bound onto {@code target} in the root, if {@link Lxcfs} left {@code view} on. */
    record LxcfsBind(String view, String source, String target) implements Step {
        public Op op() { return Op.LXCFS_BIND; }
        public List<Object> fields() { return List.of(view, source, target); }
    }

    /**
     * A shared guest's wildcard steering (launcher/steer.c): the run directory's sk_lookup link,
     * found by the id in {@code idFile} or made with {@code program} under {@code lock}; the
     * guest's sk_storage map ({@code btf}: the hex of its type blob); each of {@code addresses}
     * ("HEX32 FLAGS": 16 bytes, IPv4 mapped; flags 1 for a loopback address) entered for
     * {@code xid}. The guest's programs are then loaded with the maps; its monitor holds the link.
     */
    record Steer(String idFile, String lock, EbpfProgram program, String btf, int xid, List<String> addresses) implements Step {
        public Steer {
            addresses = List.copyOf(addresses);
        }

        public Op op() { return Op.STEER; }
        public List<Object> fields() { return List.of(idFile, lock, program, btf, xid, addresses); }
    }
}
