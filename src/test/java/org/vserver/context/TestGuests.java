package org.vserver.context;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.vserver.config.GuestConfig;
import org.vserver.config.IdRange;
import org.vserver.config.UsernsConfig;
import org.vserver.config.ContextCapability;
import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.vserver.config.GuestConfig.FstabEntry;
import org.vserver.config.GuestConfig.InitConfig;
import org.vserver.config.ProcVisibility;
import org.vserver.limits.Cpuset;
import org.vserver.limits.IoNice;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;
import org.vserver.limits.Sched;
import org.vserver.kernel.Capability;
import org.vserver.kernel.Rlimit;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigFiles;
import org.vserver.config.ConsoleConfig;
import org.vserver.config.NetworkConfig;
import org.vserver.config.ProcUnhide;
import org.vserver.config.SeccompConfig;
import org.vserver.limits.DefaultLimits;

/** Fixture guests for golden plans: fixed paths, no dependence on the host. */
final class TestGuests {
    private TestGuests() {}

    static final StartPlanner.Host HOST = new StartPlanner.Host(
            p -> !p.contains("asound") && !p.contains("acpi") && !p.contains("timer_stats"),
            p -> p.equals("/usr") || p.equals("/srv/data") || p.equals("/proc/driver"),
            List.of(new CgroupMounts.Hierarchy("cpu,cpuacct", "cgroup", "cpu,cpuacct"),
                    new CgroupMounts.Hierarchy("memory", "cgroup", "memory"),
                    new CgroupMounts.Hierarchy("pids", "cgroup", "pids")));

    static Map<String, String> env() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("PATH", "/bin:/usr/bin:/sbin:/usr/sbin");
        return e;
    }

    /** What `build -m host` writes: the host's /usr shared read-only, the default fstab; no rlimits/ of its own. */
    static GuestConfig hostGuest() {
        return new GuestConfig("web", Path.of("/etc/vservers/web"), Path.of("/vservers/web"), OptionalInt.of(40000),
                new GuestConfig.Uts("web.example.org", null), List.of(), List.of(new ContextCapabilityChange(ContextCapability.SET_UTSNAME, true),
                        new ContextCapabilityChange(ContextCapability.RAW_ICMP, true)),
                List.of(new FstabEntry("/usr", "/usr", "none", List.of("bind", "ro"), 1),
                        new FstabEntry("none", "/proc", "proc", List.of("defaults"), 2),
                        new FstabEntry("none", "/tmp", "tmpfs", List.of("size=16m", "mode=1777"), 3),
                        new FstabEntry("none", "/dev/pts", "devpts", List.of("gid=5", "mode=620"), 4)),
                new InitConfig("sysv", "3", "6", List.of(), List.of(), List.of(15, 5, 9), env()),
                List.of(), OptionalInt.empty(), List.of(), BUILT_IN_LIMITS, ProcVisibility.SECURE_DEFAULT, SeccompConfig.DEFAULT, NetworkConfig.NONE)
                .withUserns(USERNS);
    }

    /** A Debian guest whose init is systemd (apps/init/style systemd), in its user namespace. */
    static GuestConfig systemdGuest() {
        GuestConfig c = hostGuest();
        var init = new InitConfig("systemd", "3", "6", List.of(), List.of(), List.of(15, 5, 9), env());
        return new GuestConfig(c.name(), c.cfgdir(), c.vdir(), c.context(), c.uts(), c.bcapabilities(), c.ccapabilities(), c.fstab(),
                init, c.shell(), c.nice(), c.interfaces(), c.resources(), c.proc(), c.seccomp(), c.network()).withUserns(c.userns());
    }

    /** {@link #hostGuest} on the host's network stack (interfaces/mode shared). */
    static GuestConfig sharedGuest() {
        GuestConfig c = hostGuest();
        var net = new NetworkConfig(NetworkConfig.Mode.SHARED, null, List.of(), null,
                NetworkConfig.DEFAULT_BRIDGE, List.of(), false, null);
        return new GuestConfig(c.name(), c.cfgdir(), c.vdir(), c.context(), c.uts(), c.bcapabilities(), c.ccapabilities(), c.fstab(),
                c.init(), c.shell(), c.nice(), c.interfaces(), c.resources(), c.proc(), c.seccomp(), net).withUserns(c.userns());
    }

    /** A netns guest (NGNET): 10.9.0.2/24 and 2001:db8:9::2/64 on bridge vsbr0, masqueraded, MTU 1400. */
    static GuestConfig netnsGuest(UsernsConfig userns) {
        GuestConfig c = hostGuest();
        var net = new NetworkConfig(NetworkConfig.Mode.NETNS, null, List.of(), null, "vsbr0", List.of(), true, 1400);
        var ifs = List.of(new GuestConfig.InterfaceConfig("0", "10.9.0.2", null, 24, null, false, false),
                new GuestConfig.InterfaceConfig("1", "2001:db8:9::2", null, 64, null, false, false));
        return new GuestConfig(c.name(), c.cfgdir(), c.vdir(), c.context(), c.uts(), c.bcapabilities(), c.ccapabilities(), c.fstab(),
                c.init(), c.shell(), c.nice(), ifs, c.resources(), c.proc(), c.seccomp(), net).withUserns(userns);
    }

    /** The id ranges of the fixture guests' user namespaces: host ids 1000000.. (Incus's first range). */
    static final IdRange RANGE = new IdRange(1_000_000, 65536);
    static final UsernsConfig USERNS = new UsernsConfig(Optional.of(RANGE), Optional.of(RANGE), false);
    /** {@code userns/disabled}: the guest runs in the host's user namespace. */
    static final UsernsConfig NO_USERNS = new UsernsConfig(Optional.empty(), Optional.empty(), true);

    /** The fixture guests' namespace as a running init's /proc/PID/uid_map reports it. */
    static final UserNamespace USER_NAMESPACE = new UserNamespace(RANGE, RANGE);

    /** What a guest without rlimits/ files reads: the built-in defaults (the task limit, msgqueue, sigpending). */
    static final ResourceConfig BUILT_IN_LIMITS = ResourceConfig.NONE.withRlimits(DefaultLimits.BUILT_IN);

    /** A plain-init guest with every knob this issue has turned. */
    static GuestConfig plainGuest() {
        return new GuestConfig("db", Path.of("/etc/vservers/db"), Path.of("/srv/guests/db/"), OptionalInt.empty(),
                new GuestConfig.Uts(null, "example.org"),
                List.of(new CapabilityChange(Capability.NET_RAW, true), new CapabilityChange(Capability.SYS_BOOT, false)),
                List.of(),
                List.of(new FstabEntry("/srv/data", "/data", "none", List.of("bind", "ro", "noatime", "nodiratime", "nosuid", "nodev", "noexec"), 1)),
                new InitConfig("plain", "3", "6", List.of(), List.of(), List.of(2, 10, 9), env()),
                List.of("/bin/sh"), OptionalInt.of(10), List.of(), ResourceConfig.NONE, ProcVisibility.SECURE_DEFAULT, SeccompConfig.DEFAULT, NetworkConfig.NONE,
                new ConsoleConfig(256 * 1024)).withUserns(USERNS);
    }

    /**
     * A guest with per-process limits and an I/O class: rlimits/ override ulimits/ (nofile),
     * rss and nproc are cgroup limits (not in the plan), ulimits/nproc is skipped.
     */
    static GuestConfig limitsGuest() {
        var rlimits = Map.of(Resource.NOFILE, Limit.NONE.withSoft(1024).withHard(4096), Resource.MEMLOCK, Limit.both(16),
                Resource.AS, Limit.both(Limit.INFINITY), Resource.RSS, Limit.both(100_000), Resource.NPROC, Limit.both(200));
        var ulimits = Map.of(Rlimit.CORE, Limit.both(0), Rlimit.NOFILE, Limit.both(100), Rlimit.NPROC, Limit.both(5),
                Rlimit.STACK, Limit.NONE.withSoft(8 << 20).withHard(Limit.INFINITY));
        var resources = new ResourceConfig(Sched.NONE, Cpuset.NONE, rlimits, ulimits, Optional.of(new IoNice(IoNice.BEST_EFFORT, 6)));
        return new GuestConfig("batch", Path.of("/etc/vservers/batch"), Path.of("/vservers/batch"), OptionalInt.of(40010),
                new GuestConfig.Uts(null, null), List.of(), List.of(), List.of(),
                new InitConfig("plain", "3", "6", List.of(), List.of(), List.of(15, 5, 9), env()),
                List.of(), OptionalInt.of(5), List.of(), resources, ProcVisibility.SECURE_DEFAULT, SeccompConfig.DEFAULT, NetworkConfig.NONE)
                .withUserns(NO_USERNS);   // one guest as before user namespaces (userns/disabled)
    }

    /**
     * A guest with a vprocunhide list on top of a .defaults one: unhides interrupts, hides loadavg
     * (a file), /proc/sys/vm (a directory inside the read-only /proc/sys) and /proc/driver (a
     * directory on the host, no '/'), makes domainname writable inside /proc/sys and sysrq-trigger
     * writable outright (off the read-only list, no bind).
     */
    static GuestConfig procGuest() {
        try {
            var defaults = ProcUnhide.apply(ProcVisibility.SECURE_DEFAULT,
                    ConfigFiles.Content.of(Path.of("/etc/vservers/.defaults/apps/vprocunhide/files"),
                            "+/proc/interrupts\n!/proc/loadavg\n"));
            var proc = ProcUnhide.apply(defaults,
                    ConfigFiles.Content.of(Path.of("/etc/vservers/proc/apps/vprocunhide/files"),
                            "-/proc/sys/vm/\n~/proc/driver\n>/proc/sys/kernel/domainname\n>/proc/sysrq-trigger\n"));
            return new GuestConfig("proc", Path.of("/etc/vservers/proc"), Path.of("/vservers/proc"), OptionalInt.of(40020),
                    new GuestConfig.Uts(null, null), List.of(), List.of(), List.of(),
                    new InitConfig("plain", "3", "6", List.of(), List.of(), List.of(15, 5, 9), env()),
                    List.of(), OptionalInt.empty(), List.of(), ResourceConfig.NONE, proc, SeccompConfig.DEFAULT, NetworkConfig.NONE)
                    .withUserns(USERNS);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }
}
