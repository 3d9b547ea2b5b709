package org.vserver.context;

import static org.vserver.kernel.MountFlag.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.vserver.config.ContextCapability;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestConfig;
import org.vserver.state.StateDir;
import org.vserver.config.ProcVisibility;
import org.vserver.limits.IoNice;
import org.vserver.limits.ResourcePlanner;
import org.vserver.kernel.Capability;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.*;
import org.vserver.config.NetworkConfig;
import org.vserver.config.ProcView;
import org.vserver.storage.GuestStorage;
import org.vserver.sys.ProcFs;

/**
 * Decides everything about a guest's start and writes it down as a {@link Plan}. The plan reads
 * as the list of syscalls the launcher will make, in order; {@code vserver debug plan NAME start}
 * prints it and golden tests pin it.
 */
public final class StartPlanner {

    /**
     * Every namespace a guest gets of its own by clone. Its user namespace (and with it its network
     * namespace) is created apart, before the clone ({@link UserNamespace}); TIME is not used.
     */
    public static final Set<Namespace> NAMESPACES =
            Set.copyOf(EnumSet.of(Namespace.MNT, Namespace.UTS, Namespace.IPC, Namespace.PID, Namespace.NET, Namespace.CGROUP));

    /** The fds the launcher keeps: 0-2 stdio, 3 plan, 4 status. Everything from 5 up is closed first. */
    public static final int FIRST_FOREIGN_FD = 5;

    /** The umask a guest's init and every command run in it start with. */
    public static final int GUEST_UMASK = 022;

    /**
     * What the planner needs to know about the host, injectable so golden plans do not depend on it.
     *
     * @param exists      whether a /proc or /sys entry exists on the running kernel
     * @param isDirectory whether a host path (an fstab bind source) is a directory
     * @param cgroups     the host's cgroup hierarchies the guest mounts at its /sys/fs/cgroup
     */
    public record Host(Predicate<String> exists, Predicate<String> isDirectory, List<CgroupMounts.Hierarchy> cgroups) {
        public Host {
            cgroups = List.copyOf(cgroups);
        }

        /** The running host; {@code proc} (the composition root's) gives this process's mountinfo. */
        public static Host real(ProcFs proc) {
            List<CgroupMounts.Hierarchy> cgroups;
            try {
                cgroups = CgroupMounts.fromMountinfo(java.nio.file.Files.readAllLines(proc.self().resolve("mountinfo")));
            } catch (java.io.IOException e) {
                cgroups = List.of();                                              // no /proc: the guest start fails on its own
            }
            return new Host(p -> java.nio.file.Files.exists(java.nio.file.Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    p -> java.nio.file.Files.isDirectory(java.nio.file.Path.of(p)), cgroups);
        }
    }

    /**
     * @param config the guest's configuration
     * @param init   the init style (with --rescue applied)
     * @param cgroupDelegation the guest's cgroup directories and the files a delegatee writes
     *               ({@code CgroupManager.delegationFiles}): a guest in a user namespace owns them
     * @param storage what the guest's root is made of ({@link StoragePlanner})
     */
    /**
     * @param hostSteps the host's side of the start, run first (doc/plan-cache.md): the undo journal,
     *                  the run state's directory, the guest's cgroups with their limits, and the
     *                  launcher joining them; empty for a plan shown without a host
     * @param network   the host steps that give the guest's network namespace its network (a netns
     *                  guest's veth, addresses, NAT), given the fd the namespace is held at before the
     *                  clone; none for the other modes
     */
    public record Request(GuestConfig config, InitStyle init, List<Path> cgroupDelegation, GuestStorage storage,
                          Monitor monitor, List<Step> hostSteps, IntFunction<List<Step>> network, ProcViews.Lxcfs lxcfs,
                          List<Step> beforeMonitor) {
        public Request {
            Objects.requireNonNull(monitor);
            Objects.requireNonNull(lxcfs);
            cgroupDelegation = List.copyOf(cgroupDelegation);
            hostSteps = List.copyOf(hostSteps);
            beforeMonitor = List.copyOf(beforeMonitor);
        }

        /** Nothing the monitor must inherit (a shared guest's steering link: {@link Step.Steer}). */
        public Request(GuestConfig config, InitStyle init, List<Path> cgroupDelegation, GuestStorage storage,
                       Monitor monitor, List<Step> hostSteps, IntFunction<List<Step>> network, ProcViews.Lxcfs lxcfs) {
            this(config, init, cgroupDelegation, storage, monitor, hostSteps, network, lxcfs, List.of());
        }

        /** With the default lxcfs ({@link ProcViews.Lxcfs#defaults}). */
        public Request(GuestConfig config, InitStyle init, List<Path> cgroupDelegation, GuestStorage storage,
                       Monitor monitor, List<Step> hostSteps, IntFunction<List<Step>> network) {
            this(config, init, cgroupDelegation, storage, monitor, hostSteps, network, ProcViews.Lxcfs.defaults());
        }

        public Request(GuestConfig config, InitStyle init, List<Path> cgroupDelegation, GuestStorage storage, Monitor monitor) {
            this(config, init, cgroupDelegation, storage, monitor, List.of(), fd -> List.of());
        }

        /** A plain guest whose cgroup files are not delegated (plans shown without a host), below /run/vservers. */
        public Request(GuestConfig config, InitStyle init) {
            this(config, init, List.of(), new GuestStorage.Plain(config.vdir()), defaultMonitor(config));
        }

        /** The monitor of a guest of the default roots (/run/vservers, /var/log/vservers, /usr/sbin/vserver). */
        public static Monitor defaultMonitor(GuestConfig config) {
            String name = config.name();
            StateDir run = new StateDir(StateDir.DEFAULT_ROOT);
            return new Monitor(run.guestDir(name).toString(), ConfigRoot.DEFAULT_LOGBASE.resolve(name).resolve(ConfigRoot.CONSOLE_LOG).toString(),
                    run.lockFile(name).toString(), config.console().size(), "/usr/sbin/vserver", name);
        }
    }

    /** The guest's console, a pty of its own devpts bound here (see {@link #dev}). */
    public static final String CONSOLE = "/dev/console", PTMX = "/dev/pts/ptmx";

    private final Host host;

    public StartPlanner(Host host) { this.host = host; }

    public Plan plan(Request req) {
        GuestConfig cfg = req.config();
        Optional<UserNamespace> userns = UserNamespace.of(cfg);
        String root = rootPath(cfg);
        var p = Plan.builder();
        p.add(new CloseFrom(FIRST_FOREIGN_FD));
        p.add(new SetUmask(0));                                                   // modes below are meant exactly
        // before the monitor, which follows the daemon it finds, and in the caller's cgroups: the host's
        ProcViews.daemon(cfg.proc().views(), req.lxcfs()).ifPresent(p::add);
        p.addAll(req.beforeMonitor());                                            // what the monitor holds (fds it inherits)
        // first: the monitor stays in the caller's cgroups, out of reach of the guest's kill sequence
        p.add(req.monitor());
        p.addAll(req.hostSteps());
        Set<Namespace> cloned = namespaces(cfg);
        // The guest root owns its cgroups, ready for delegation (read-only inside for now).
        userns.ifPresent(u -> req.cgroupDelegation().forEach(f -> p.add(new Chown(f.toString(), u.hostUid(0), u.hostGid(0)))));
        Optional<UsernsCreate> holder = userns.map(u -> u.create(cloned.contains(Namespace.NET) ? Set.of(Namespace.NET) : Set.of()));
        holder.ifPresent(p::add);
        // The guest's netns exists before its init, held by fd: the holder made it, owned by the
        // guest's user namespace; without one, NETNS_CREATE makes it. Its network is made from
        // outside before the clone, so nothing waits for the child.
        OptionalInt netns = !cloned.contains(Namespace.NET) ? OptionalInt.empty()
                : holder.isPresent() ? OptionalInt.of(holder.get().fdOf(Namespace.NET)) : OptionalInt.of(FIRST_FOREIGN_FD);
        if (netns.isPresent() && holder.isEmpty()) p.add(new NetnsCreate(netns.getAsInt()));
        netns.ifPresent(fd -> p.addAll(req.network().apply(fd)));
        p.addAll(StoragePlanner.beforeClone(req.storage(), userns));
        // The launcher is already in the guest's cgroups (its host steps joined them), so the new
        // cgroup namespace is rooted at the guest's cgroup.
        if (cfg.proc().views().contains(ProcView.UPTIME)) p.add(new TimeNs());  // the init's clocks start at 0
        p.add(new Clone(without(cloned, Namespace.NET), ParentMode.EXIT));
        // joined first, so that sysfs below shows the guest's devices
        netns.ifPresent(fd -> p.add(new SetNsFd(fd, Namespace.NET)));
        if (cfg.network().mode() == NetworkConfig.Mode.NONE) p.add(new IfUp("lo"));   // a new netns's loopback is down
        // From here on: the guest init, PID 1 of its own pid namespace.
        p.add(new Mount(null, "/", null, EnumSet.of(REC, PRIVATE), null));        // nothing propagates back to the host
        p.addAll(StoragePlanner.root(root, req.storage(), cfg.userns().shifted(), userns));
        // The tree is the guest's: from here on every path in it is resolved inside it, from this
        // fd (its links cannot lead to the host's /, runc's CVE-2021-30465), until pivot_root.
        p.add(new OpenRoot(root));
        p.addAll(procAndSys(cfg, userns, req.cgroupDelegation()));
        p.addAll(ProcViews.binds(cfg.proc().views(), req.lxcfs(), host.exists()));
        p.addAll(dev(cfg, userns));
        p.addAll(run(cfg, userns));
        p.addAll(FstabMounts.steps(root, cfg.fstab(), host.isDirectory(), userns));
        p.addAll(masks(cfg.proc()));
        p.add(new PivotRoot(root));
        p.add(new Mount(null, ".", null, EnumSet.of(REC, PRIVATE), null));
        p.add(new Umount(".", Umount.DETACH));                                    // the old root is gone: ".." of / is /
        p.add(new Chdir("/"));
        // The last chdir: nothing outside the root is the cwd; and the launcher checks that "/.." is
        // "/", so a start whose umount took something else than the old root fails closed.
        p.add(new VerifyCwd("/"));
        // each start a boot of its own (journalctl --list-boots), not the host's boot id
        p.add(new BootId("/dev/.boot_id", "/proc/sys/kernel/random/boot_id"));
        // the init's stdout and stderr: a pty of its own devpts, whose master the monitor holds
        p.add(new Console(PTMX, CONSOLE, userns.map(u -> u.hostUid(0)).orElse(0), userns.map(u -> u.hostGid(0)).orElse(0)));
        p.add(new SetHostname(hostname(cfg)));
        if (cfg.uts().domainname() != null) p.add(new SetDomainname(cfg.uts().domainname()));
        // nice, rlimits and ioprio need the host's CAP_SYS_NICE/CAP_SYS_RESOURCE: before the user namespace.
        cfg.nice().ifPresent(n -> p.add(new SetPriority(n)));
        p.addAll(processResources(cfg));
        p.add(new Setsid());
        p.addAll(joinUserNamespace(userns));
        Set<Capability> bounding = Capabilities.bounding(cfg);
        abstractSocketScope(cfg).ifPresent(p::add);                               // needs CAP_SYS_ADMIN
        p.add(new RebootNotify());                                                // the guest's reboot(2) goes to its monitor
        GuestFilter.step(cfg, bounding).ifPresent(p::add);                       // last while CAP_SYS_ADMIN is held
        p.add(new SetCaps(bounding, bounding, bounding, Set.of(), Set.of()));
        p.add(new SetUmask(GUEST_UMASK));
        if (req.init().reaper()) p.add(new Reaper());
        p.add(new Exec(req.init().start().getFirst(), req.init().start(), environment(cfg, req.init().startEnv(), "/root")));
        return p.build();
    }

    /**
     * The last act of the host's privilege: join the guest's user namespace (which resets the
     * bounding set to full: the SET_CAPS after this narrows it) and become its root. Before the
     * setresuid the process is host uid 0, which the namespace does not map: not its root.
     */
    static List<Step> joinUserNamespace(Optional<UserNamespace> userns) {
        if (userns.isEmpty()) return List.of();
        return List.of(new SetNsFd(UserNamespace.FD, Namespace.USER), new SetIds(0, 0, List.of()));
    }

    private static Set<Namespace> without(Set<Namespace> set, Namespace ns) {
        EnumSet<Namespace> s = EnumSet.copyOf(set);
        s.remove(ns);
        return Set.copyOf(s);
    }

    /**
     * The guest's per-process rlimits and I/O priority, inherited by all it starts. They come before
     * the capabilities are dropped: raising a hard limit needs CAP_SYS_RESOURCE, which the guest
     * does not keep.
     */
    static List<Step> processResources(GuestConfig cfg) {
        List<Step> s = new ArrayList<>();
        for (var l : ResourcePlanner.processLimits(cfg.resources())) s.add(new SetRlimit(l.resource(), l.soft(), l.hard()));
        cfg.resources().ionice().ifPresent(n -> s.add(ioprio(n)));
        return s;
    }

    /**
     * The ioprio_set(2) arguments for {@code ionice/}: the idle class has no levels (the kernel
     * wants data 0 there), and class 0 "none" with a level is refused by the kernel, so it is
     * planned as best-effort, which is what the kernel treats it as.
     */
    static SetIoprio ioprio(IoNice n) {
        if (n.ioClass() == IoNice.IDLE) return new SetIoprio(n.ioClass(), 0);
        return new SetIoprio(n.ioClass() == 0 ? IoNice.BEST_EFFORT : n.ioClass(), n.priority());
    }

    private List<Step> procAndSys(GuestConfig cfg, Optional<UserNamespace> userns, List<Path> delegation) {
        List<Step> s = new ArrayList<>();
        s.add(new MkdirIn("/proc", 0555));
        s.add(new MountIn("proc", "/proc", "proc", EnumSet.of(NOSUID, NODEV, NOEXEC), null));
        if (ownNetwork(cfg) && Capabilities.context(cfg.ccapabilities()).contains(ContextCapability.RAW_ICMP)) {
            // ccap raw_icmp: ping through ICMP datagram sockets, no CAP_NET_RAW (per network namespace;
            // a guest on the host's stack would change the host's setting, so it keeps the host's).
            // Through the launcher's (the host's) /proc, not a path in the guest's tree: /proc/sys/net
            // shows the network namespace of the process that opens it, the guest's own by now.
            // In a user namespace: exactly the guest's groups (the range is written in host gids, and
            // the guest reads it back as 0..65535); the whole range would read as unmapped there.
            s.add(new WriteFile("/proc/sys/net/ipv4/ping_group_range", userns.map(u -> u.hostGid(0) + " " + u.hostGid(u.gid().count() - 1))
                    .orElse("0 2147483647")));
        }
        s.add(new MkdirIn("/sys", 0555));
        s.add(new MountIn("sysfs", "/sys", "sysfs", EnumSet.of(RDONLY, NOSUID, NODEV, NOEXEC), null));
        // in the guest's cgroup namespace already; a systemd guest's cgroup2 tree is its own to manage
        if (delegatedCgroup(cfg, delegation)) s.add(CgroupMounts.delegated());
        else s.addAll(CgroupMounts.steps(host.cgroups()));
        return s;
    }

    /**
     * A minimal /dev on a tmpfs of its own ({@code console/size} caps it too: a guest root that
     * writes files there fills its own memory, never the host's). No host file is bound in: the
     * console is a pty of the guest's own devpts, bound onto the empty file made here after
     * pivot_root ({@link Console}); its master is the monitor's, on the host.
     */
    private List<Step> dev(GuestConfig cfg, Optional<UserNamespace> userns) {
        String dev = "/dev";
        List<Step> s = new ArrayList<>();
        s.add(new MkdirIn(dev, 0755));
        s.add(new MountIn("tmpfs", dev, "tmpfs", EnumSet.of(NOSUID, STRICTATIME), tmpfsData(userns, "mode=755,size=" + cfg.console().tmpfsSize())));
        // Device nodes are made by the host, on a tmpfs the host mounted: mknod works there even for
        // a guest in a user namespace (where mknod of a device is refused), and the guest root owns them.
        List<MknodIn> nodes = List.of(
                MknodIn.charDevice(dev + "/null", 0666, 1, 3),
                MknodIn.charDevice(dev + "/zero", 0666, 1, 5),
                MknodIn.charDevice(dev + "/full", 0666, 1, 7),
                MknodIn.charDevice(dev + "/random", 0666, 1, 8),
                MknodIn.charDevice(dev + "/urandom", 0666, 1, 9),
                MknodIn.charDevice(dev + "/tty", 0666, 5, 0),
                new MknodIn(dev + "/console", 0100600, 0));                      // where the console pty is bound
        for (MknodIn n : nodes) {
            s.add(n);
            userns.ifPresent(u -> s.add(new ChownIn(n.path(), u.hostUid(0), u.hostGid(0))));
        }
        s.add(new MkdirIn(dev + "/pts", 0755));
        List<String> pts = new ArrayList<>(List.of("newinstance", "ptmxmode=0666"));
        List<String> fromFstab = FstabMounts.devptsOptions(cfg.fstab());
        pts.addAll(fromFstab.isEmpty() ? List.of("mode=620", "gid=5") : fromFstab);
        String ptsData = String.join(",", pts);
        s.add(new MountIn("devpts", dev + "/pts", "devpts", EnumSet.of(NOSUID, NOEXEC),
                userns.map(u -> u.shiftIds(ptsData, false)).orElse(ptsData)));   // gid=5: the guest's tty group
        s.add(new SymlinkIn("pts/ptmx", dev + "/ptmx"));                         // this guest's own pty instance
        s.add(new MkdirIn(dev + "/shm", 01777));
        s.add(new MountIn("shm", dev + "/shm", "tmpfs", EnumSet.of(NOSUID, NODEV, NOEXEC), tmpfsData(userns, "mode=1777,size=65536k")));
        s.add(new MkdirIn(dev + "/mqueue", 0755));
        s.add(new MountIn("mqueue", dev + "/mqueue", "mqueue", EnumSet.of(NOSUID, NODEV, NOEXEC), null));
        s.add(new SymlinkIn("/proc/self/fd", dev + "/fd"));
        s.add(new SymlinkIn("/proc/self/fd/0", dev + "/stdin"));
        s.add(new SymlinkIn("/proc/self/fd/1", dev + "/stdout"));
        s.add(new SymlinkIn("/proc/self/fd/2", dev + "/stderr"));
        return s;
    }

    /** A tmpfs's options; in a user namespace its root is the guest root's. */
    /**
     * True if the guest manages its own cgroup2 subtree (systemd's Container Interface): a systemd
     * guest in a user namespace with a cgroup2 cgroup of its own (a v2 host, or a hybrid one's
     * unified hierarchy), whose delegation files its root owns. Its processes stay in its v1
     * cgroups meanwhile, which enforce its limits and which it cannot write.
     */
    public static boolean delegatedCgroup(GuestConfig cfg, List<Path> delegation) {
        return InitStyle.SYSTEMD.equals(cfg.init().style()) && !cfg.userns().disabled()
                && delegation.stream().anyMatch(p -> p.getFileName().toString().equals("cgroup.subtree_control"));
    }

    /** The size of every guest's /run, and of /run/lock in it (Debian's RUNSIZE-like defaults, bounded). */
    static final String RUN_SIZE = "64m", RUN_LOCK_SIZE = "5m";

    /**
     * A tmpfs /run and /run/lock, as every host boots with (systemd's Container Interface asks for
     * them; sysvinit guests get them too): PID files, sockets and locks of one boot never meet the
     * next (a stale pid file stops dbus from starting; cron runs @reboot only when /run is new).
     * Their pages are the guest's memory. An fstab line of the guest's own for either replaces it.
     */
    static List<Step> run(GuestConfig cfg, Optional<UserNamespace> userns) {
        List<Step> s = new ArrayList<>();
        boolean ownRun = cfg.fstab().stream().anyMatch(e -> e.target().equals("/run"));
        boolean ownLock = cfg.fstab().stream().anyMatch(e -> e.target().equals("/run/lock"));
        if (!ownRun) {
            s.add(new MkdirIn("/run", 0755));
            s.add(new MountIn("tmpfs", "/run", "tmpfs", EnumSet.of(NOSUID, NODEV), tmpfsData(userns, "mode=755,size=" + RUN_SIZE
                    + ",nr_inodes=16k")));
        }
        if (!ownLock) {
            s.add(new MkdirIn("/run/lock", 01777));
            s.add(new MountIn("tmpfs", "/run/lock", "tmpfs", EnumSet.of(NOSUID, NODEV, NOEXEC), tmpfsData(userns, "mode=1777,size="
                    + RUN_LOCK_SIZE)));
        }
        return s;
    }

    static String tmpfsData(Optional<UserNamespace> userns, String data) {
        return userns.map(u -> u.shiftIds(data, true)).orElse(data);
    }

    /**
     * The guest's view of /proc and /sys ({@link ProcVisibility}), as mounts in this order:
     * <ol>
     *   <li>masks outside every read-only tree: files, then directories (the default's order, which
     *       golden plans pin);</li>
     *   <li>read-only trees: bound onto themselves (recursively, so what lies below comes along) and
     *       remounted read-only;</li>
     *   <li>writable paths inside them: bound onto themselves, again recursively, and remounted
     *       without read-only (a bind inherits the read-only flag of the mount it comes from);</li>
     *   <li>masks inside read-only trees, last: no later bind can cover them.</li>
     * </ol>
     * Entries missing on the running kernel are skipped: there is nothing to hide or protect.
     */
    private List<Step> masks(ProcVisibility proc) {
        List<Step> s = new ArrayList<>();
        Predicate<String> exists = host.exists();
        // Resolved inside the root like every path there (RESOLVE_NO_MAGICLINKS: no /proc/PID/root on the way).
        for (String m : proc.masked()) if (proc.readOnlyTreeOf(m) == null && exists.test(m)) s.add(mask(m, proc));
        for (String r : proc.readOnly())
            if (exists.test(r)) {
                s.add(new BindIn(r, r, EnumSet.of(BIND, REC)));
                s.add(new MountIn(null, r, null, EnumSet.of(REMOUNT, BIND, RDONLY, NOSUID, NODEV, NOEXEC), null));
            }
        for (String w : proc.writable())
            if (exists.test(w)) {
                s.add(new BindIn(w, w, EnumSet.of(BIND, REC)));
                s.add(new MountIn(null, w, null, EnumSet.of(REMOUNT, BIND, NOSUID, NODEV, NOEXEC), null));
            }
        for (String m : proc.masked()) if (proc.readOnlyTreeOf(m) != null && exists.test(m)) s.add(mask(m, proc));
        return s;
    }

    /** /dev/null over a file; an empty read-only tmpfs over a directory (listed as one, or one on the host). */
    private Step mask(String path, ProcVisibility proc) {
        if (proc.maskedDirs().contains(path) || host.isDirectory().test(path))
            return new MountIn("tmpfs", path, "tmpfs", EnumSet.of(RDONLY, NOSUID, NODEV, NOEXEC), "size=4k,nr_inodes=2,mode=555");
        return new BindIn("/dev/null", path, EnumSet.of(BIND));
    }

    /**
     * A shared guest is on the host's network namespace, whose abstract unix socket names (no
     * file, no permissions) are one table for the host and every shared guest: without a scope
     * it reaches the host's daemons (CVE-2020-15257: containerd-shim's abstract socket gave
     * host-network containers root) and its neighbours'. A Landlock scope limits it to the names
     * bound inside its own domain. A guest with its own network namespace has its own table.
     */
    static Optional<Step> abstractSocketScope(GuestConfig cfg) {
        return cfg.network().mode() == NetworkConfig.Mode.SHARED
                ? Optional.of(new LandlockScope(LandlockScope.ABSTRACT_UNIX_SOCKET)) : Optional.empty();
    }

    /** {@link #NAMESPACES}, without the network namespace for a guest on the host's stack (modes shared and host). */
    public static Set<Namespace> namespaces(GuestConfig cfg) {
        if (ownNetwork(cfg)) return NAMESPACES;
        EnumSet<Namespace> s = EnumSet.copyOf(NAMESPACES);
        s.remove(Namespace.NET);
        return Set.copyOf(s);
    }

    static boolean ownNetwork(GuestConfig cfg) {
        var m = cfg.network().mode();
        return m == NetworkConfig.Mode.NONE || m == NetworkConfig.Mode.NETNS;
    }

    static String hostname(GuestConfig cfg) {
        return cfg.uts().nodename() != null ? cfg.uts().nodename() : cfg.name();
    }

    /** The guest's environment (apps/init/environment) plus the style's variables and HOME. */
    static List<String> environment(GuestConfig cfg, Map<String, String> extra, String home) {
        Map<String, String> env = new LinkedHashMap<>(cfg.init().environment());
        env.putIfAbsent("HOME", home);
        env.putAll(extra);
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** The guest's root as the plans name it: absolute, normalized, without a trailing slash. */
    public static String rootPath(GuestConfig cfg) {
        return stripSlash(cfg.vdir().toAbsolutePath().normalize().toString());
    }

    static String stripSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
