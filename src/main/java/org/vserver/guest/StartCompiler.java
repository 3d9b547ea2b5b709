package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.EbpfProgram;
import org.vserver.cgroup.CgroupManager;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.config.ResourceDir;
import org.vserver.context.EnterPlanner;
import org.vserver.context.InitStyle;
import org.vserver.context.ProcViews;
import org.vserver.context.StartPlanner;
import org.vserver.context.StoragePlanner;
import org.vserver.context.UserNamespace;
import org.vserver.fs.SearchPath;
import org.vserver.limits.ResourcePlan;
import org.vserver.net.Addresses;
import org.vserver.net.Nat;
import org.vserver.net.NetnsSteps;
import org.vserver.net.NetworkPlan;
import org.vserver.net.SockAddrPrograms;
import org.vserver.net.BindPolicy;
import org.vserver.net.SkLookupProgram;
import org.vserver.net.SteeringMaps;
import org.vserver.bpf.Btf;
import java.net.InetAddress;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanKey;
import org.vserver.plan.PlanWriter;
import org.vserver.plan.Step;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.StorageLayout;
import org.vserver.sys.Syscalls;

/**
 * Compiles a guest's start into its {@link PlanCache} (doc/plan-cache.md): the whole start as one
 * plan, the host's side included (undo journal, run state, cgroups and their limits), the exec plan
 * and run state the launcher installs, and the key of every input read on the way. Nothing here
 * touches the host beyond the cache, except the probe cgroup that finds a limit's writes
 * ({@link CgroupManager#startSteps}).
 */
final class StartCompiler {
    private final Guests guests;
    private final Vserver vs;
    private final StatusText status;

    /** @param status how the CLI words status (null: status stays java's) */
    StartCompiler(Guests guests, StatusText status) {
        this.guests = guests;
        this.vs = guests.vserver();
        this.status = status;
    }

    /**
     * @param needsJava why this start cannot run without java (java resizes the guest's disk first),
     *                  or empty: the launcher alone runs it
     * @param notes     what the start says each time (settings this host cannot apply)
     */
    record Compiled(PlanCache cache, Plan start, Optional<String> needsJava, NetworkPlan net, ResourcePlan resources,
                    List<String> notes) {}

    /**
     * @param rescue  a rescue command ({@code start --rescue}): compiled into its own directory,
     *                without a key, so bin/vserver never runs it by itself
     * @param warnings what {@link GuestStart} said about the configuration, said again by every start
     */
    Compiled compile(GuestConfig cfg, List<String> rescue, int xid, GuestStorage storage, List<String> warnings)
            throws IOException, ConfigException {
        String name = cfg.name();
        // what java still does on the host for this start (a disk resize); empty: the launcher does it all
        Optional<String> needsJava = new GuestDisk(guests).startNeedsJava(cfg, storage);
        ResourcePlan resources = new GuestLimits(guests).plan(cfg);     // cpus the host lacks: refused here
        NetworkPlan net = new GuestStart(guests).networkPlan(cfg, xid);  // a guest that could not be isolated: refused here
        PlanCache cache = rescue == null ? PlanCache.of(vs.config().cacheBase(), name)
                : new PlanCache(vs.config().cacheBase().resolve(name).resolve("rescue"));
        CgroupManager.StartSteps cgroups = vs.cgroups().startSteps(name, resources.cgroup());
        List<String> notes = new ArrayList<>(resources.notes());
        notes.addAll(cgroups.notes());
        Optional<Path> lxcfsProgram = SearchPath.fromEnvironment(vs.env()).find("lxcfs");
        var lxcfs = new ProcViews.Lxcfs(lxcfsProgram.map(Path::toString), vs.config().lxcfsDir().toString(),
                vs.state().root().resolve(".lxcfs.lock").toString(), vs.state().root().resolve(".lxcfs.pid").toString());
        notes.addAll(ProcViews.warnings(cfg.proc().views(), lxcfs));

        cache.prepare();
        ResourceDir.write(cfg.resources(), cache.limits());
        Path run = vs.state().guestDir(name);
        List<Step> host = new ArrayList<>();
        host.add(new Step.Journal(journal(name).toString()));
        host.add(new Step.MkdirHost(vs.state().root().toString(), 0755));
        host.add(new Step.MkdirHost(run.toString(), 0700));               // the exec plan is an instruction list: root's
        host.addAll(linkTree(cache.limits(), vs.state().limitsDir(name)));
        host.add(new Step.Link(cache.exec().toString(), vs.state().execPlan(name).toString()));
        InitStyle style = InitStyle.of(cfg.init(), rescue);
        Optional<List<String>> statusLines = needsJava.isEmpty() && rescue == null && status != null
                ? status.lines(guests, cfg, xid) : Optional.empty();
        if (needsJava.isEmpty()) {            // a stop without java: what it does, as the start compiled it
            host.add(new Step.Link(cache.stop().toString(), run.resolve(PlanCache.STOP).toString()));
            if (statusLines.isPresent()) host.add(new Step.Link(cache.status().toString(), run.resolve(PlanCache.STATUS).toString()));
            if (!style.stop().isEmpty()) host.add(new Step.Link(cache.stopPlan().toString(), run.resolve(PlanCache.STOP_PLAN).toString()));
        }
        host.addAll(StoragePlanner.startHostSteps(storage));              // outside the guest's cgroups: no loop device in them
        host.addAll(cgroups.steps());
        if (StartPlanner.delegatedCgroup(cfg, vs.cgroups().delegationFiles(name))) {
            // a systemd guest makes cgroups in its own subtree: as many as this, no deeper (kernel memory is the host's)
            Path dir = vs.cgroups().bpfDir(name).orElseThrow();
            host.add(new Step.WriteFile(dir.resolve("cgroup.max.descendants").toString(), Integer.toString(MAX_CGROUPS)));
            host.add(new Step.WriteFile(dir.resolve("cgroup.max.depth").toString(), Integer.toString(MAX_CGROUP_DEPTH)));
        }
        host.addAll(bindHooks(name, net));

        var planner = new RecordingHost(StartPlanner.Host.real(vs.proc()));
        Optional<Path> nft = net instanceof NetworkPlan.Netns n && NetnsSteps.needsNft(n)
                ? Optional.of(Nat.program(SearchPath.fromEnvironment(vs.env()))) : Optional.empty();
        Plan start = new StartPlanner(planner.host()).plan(new StartPlanner.Request(cfg, style,
                vs.cgroups().delegationFiles(name), storage, monitor(vs, cfg), host, fd -> net instanceof NetworkPlan.Netns n
                        ? NetnsSteps.of(n, fd, vs.state().root(), nft) : List.of(), lxcfs, steering(net)));
        Plan exec = new EnterPlanner().plan(cfg, EnterPlanner.Target.inStateFile(vs.state().stateFile(name),
                vs.cgroups().procsFiles(name), UserNamespace.of(cfg)),
                new EnterPlanner.Command(null, EnterPlanner.User.ROOT, false, Map.of()), true);
        PlanCache.write(cache.exec(), PlanWriter.write(exec));
        if (statusLines.isPresent()) {
            var sb = new StringBuilder("vserver-status 1\ncache ").append(cache.dir()).append("\nstate ")
                    .append(vs.state().stateFile(name)).append('\n');
            for (Path p : vs.cgroups().procsFiles(name)) sb.append("procs ").append(p).append('\n');
            sb.append("text\n");
            for (String l : statusLines.get()) sb.append(l).append('\n');
            PlanCache.write(cache.status(), sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (needsJava.isEmpty()) {
            PlanCache.write(cache.stop(), stopFile(cfg, style).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!style.stop().isEmpty())
                PlanCache.write(cache.stopPlan(), PlanWriter.write(new EnterPlanner().plan(cfg, EnterPlanner.Target.inStateFile(
                        vs.state().stateFile(name), vs.cgroups().procsFiles(name), UserNamespace.of(cfg)),
                        new EnterPlanner.Command(style.stop(), EnterPlanner.User.ROOT, false, style.stopEnv()), true)));
        }
        PlanCache.write(cache.start(), PlanWriter.write(start));
        PlanCache.write(cache.stateTemplate(), stateTemplate(name, xid).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (rescue == null) PlanCache.write(cache.key(), key(cfg, xid, style, storage, resources, needsJava, planner, nft, lxcfs, warnings, notes).getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        return new Compiled(cache, start, needsJava, net, resources, List.copyOf(notes));
    }

    /** A systemd guest's cgroups below its own: one per unit, a few hundred on a busy VPS. */
    static final int MAX_CGROUPS = 2048, MAX_CGROUP_DEPTH = 16;

    Path journal(String name) { return vs.state().root().resolve(name + ".journal"); }

    /**
     * A shared guest's addresses on host devices (labelled {@code dev:name}, as util-vserver does),
     * and its bind hooks (VServer's chbind): cgroup sock_addr programs on its cgroup2 directory,
     * loaded and attached by the launcher before the guest's first socket.
     */
    private List<Step> bindHooks(String name, NetworkPlan net) throws IOException {
        if (!(net instanceof NetworkPlan.Shared s)) return List.of();
        List<Step> out = new ArrayList<>();
        for (NetworkPlan.HostAddress a : s.hostAddresses())
            out.add(new Step.AddrAdd(a.dev(), Addresses.text(a.address()), a.prefix(), a.label()));
        // ::1 of the guest: an address of its own on the host's lo (journaled, removed by the stop)
        if (s.policy().lback6() != null) out.add(new Step.AddrAdd("lo", Addresses.text(s.policy().lback6()), 128, null));
        Path dir = vs.cgroups().bpfDir(name).orElseThrow(() -> new IOException(
                "guest " + name + ": network mode shared needs a cgroup2 hierarchy for its bind hooks, and this host has none"
                        + " (mount one at /sys/fs/cgroup/unified, or use interfaces/mode netns)"));
        for (var e : SockAddrPrograms.of(s.policy()).entrySet()) {
            int type = e.getKey();
            out.add(new Step.BpfAttach(dir.toString(), SockAddrPrograms.progType(type), type, Bpf.F_ALLOW_MULTI, SockAddrPrograms.name(type),
                    new EbpfProgram(e.getValue())));
        }
        return out;
    }

    /**
     * A shared guest's wildcard steering (launcher/steer.c), before the monitor forks (it inherits
     * the link): the run directory's sk_lookup program, the guest's addresses for its XID.
     */
    private List<Step> steering(NetworkPlan net) {
        if (!(net instanceof NetworkPlan.Shared s) || s.policy().xid() == 0) return List.of();
        BindPolicy p = s.policy();
        List<String> addresses = new ArrayList<>();
        for (InetAddress a : p.v4()) addresses.add(steerEntry(a, false));
        for (InetAddress a : p.v6()) addresses.add(steerEntry(a, false));
        addresses.add(steerEntry(p.lback(), true));
        if (p.lback6() != null) addresses.add(steerEntry(p.lback6(), true));
        return List.of(new Step.Steer(vs.state().root().resolve(".steer").toString(), vs.state().root().resolve(".steer.lock").toString(),
                new EbpfProgram(SkLookupProgram.program()), Btf.hex(), p.xid(), addresses.stream().distinct().toList()));
    }

    private static String steerEntry(InetAddress a, boolean loopback) {
        return java.util.HexFormat.of().formatHex(SteeringMaps.addrsKey(a)) + " " + (loopback ? SteeringMaps.LOOPBACK : 0);
    }

    /** What {@code vserver-launcher --stop} does for this guest (launcher/stop.c), as {@link GuestStop} would. */
    private String stopFile(GuestConfig cfg, InitStyle style) {
        String name = cfg.name();
        var sb = new StringBuilder("vserver-stop 1\n");
        sb.append("name ").append(name).append('\n');
        sb.append("lock ").append(vs.state().lockFile(name)).append('\n');
        sb.append("state ").append(vs.state().stateFile(name)).append('\n');
        sb.append("journal ").append(journal(name)).append('\n');
        sb.append("run ").append(vs.state().guestDir(name)).append('\n');
        for (Path p : vs.cgroups().procsFiles(name)) sb.append("procs ").append(p).append('\n');
        List<String> freeze = vs.cgroups().freezeControl(name);
        if (!freeze.isEmpty()) sb.append("freeze ").append(String.join(" ", freeze)).append('\n');
        if (!style.stop().isEmpty()) sb.append("command\n");
        else sb.append("signal ").append(style.stopSignal()).append('\n');   // plain: ctrl-alt-del (SIGINT); systemd: SIGRTMIN+3
        sb.append("timeout ").append(cfg.init().stopTimeout()).append('\n');
        sb.append("killseq");
        for (int k : cfg.init().killseq()) sb.append(' ').append(k);
        return sb.append('\n').toString();
    }

    /** The run state as {@link org.vserver.state.RunState} writes it, the init's values left for the launcher. */
    private String stateTemplate(String name, int xid) {
        return "name=" + name + "\nxid=" + xid + "\ninit.pid=@PID@\ninit.starttime=@STARTTIME@\nstarted=@STARTED@\ncgroup.parent="
                + vs.cgroupParent() + "\n";
    }

    /** MKDIR_HOST for each directory of {@code from}, LINK for each file, into {@code to}. */
    private static List<Step> linkTree(Path from, Path to) throws IOException {
        List<Step> out = new ArrayList<>();
        if (!Files.isDirectory(from)) return out;
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) out.add(new Step.MkdirHost(target.toString(), 0755));
                else out.add(new Step.Link(p.toString(), target.toString()));
            }
        }
        return out;
    }

    private String key(GuestConfig cfg, int xid, InitStyle style, GuestStorage storage, ResourcePlan resources, Optional<String> needsJava, RecordingHost planner, Optional<Path> nft,
                       ProcViews.Lxcfs lxcfs, List<String> warnings, List<String> notes) throws IOException, ConfigException {
        String name = cfg.name();
        var k = new PlanKey();
        k.input("kernel", PlanKey.kernel());
        k.input("launcher", launcherBuild());
        k.input("cgroups", PlanKey.cgroupMounts(vs.proc().self().resolve("mountinfo")));
        k.input("stat", codeSource());
        // the plan names this run directory and configuration: a start under others must not run it
        k.input("rundir", vs.state().root().toString());
        k.input("confdir", vs.config().confdir().toString());
        k.input("tree", cfg.cfgdir());
        k.input("tree", vs.config().defaultsDir());
        StorageLayout layout = GuestStorages.layout(cfg);
        k.input("link", layout.lowerLink());
        k.input("file", layout.backendFile());
        // the image's size as the compile found it (no resize due): one grown or replaced since goes back to java
        if (storage instanceof GuestStorage.Layered l && l.backend() instanceof GuestStorage.LoopImage img) {
            k.input("size", img.image());
            k.directive("image", img.image().toString());   // checked before the start: one not clean (a crash) is java's to name
        }
        // the barrier above the guest's root and the root's owner: a change goes back through java's checks
        Path root = cfg.vdir().toAbsolutePath();
        for (Path p = root; p != null; p = p.getParent()) k.input("owner", p);
        for (String[] q : planner.asked()) k.input(q[0], Path.of(q[1]));
        if (nft.isPresent()) k.input("exists", nft.get());      // an nft removed since: java says what to install
        // lxcfs installed or removed since: java plans the views again (or says why there are none)
        k.input("exists", lxcfs.binary().map(Path::of).orElse(Path.of("/usr/bin/lxcfs")));
        k.directive("name", name);
        k.directive("xid", Integer.toString(xid));
        k.directive("lock", vs.state().lockFile(name).toString());
        k.directive("journal", journal(name).toString());
        k.directive("state", vs.state().stateFile(name).toString());
        k.directive("run", vs.state().guestDir(name).toString());
        for (Path p : vs.cgroups().procsFiles(name)) k.directive("cgroup", p.getParent().toString());
        for (String w : warnings) k.directive("warn", w);
        for (String n : notes) k.directive("warn", name + ": " + n);
        needsJava.ifPresent(r -> k.directive("needs-java", r));
        // a systemd guest's start returns once its boot is done, saying how it went (launcher/start.c)
        // (not for a cmd.start of the admin's: that may be no systemd at all)
        if (style.name().equals(InitStyle.SYSTEMD) && cfg.init().cmdStart().isEmpty())
            k.directive("boot-wait", Integer.toString(cfg.init().startTimeout()));
        // a style whose start command runs under the reaper (sysv's rc 3, openrc, minit) is booted
        // when that command has ended, as util-vserver's start waited for it; the reaper says when
        else if (style.reaper()) k.directive("boot-wait", cfg.init().startTimeout() + " rc");
        // where a failed boot's last console lines are read
        k.directive("log", vs.config().consoleLog(name).toString());
        // sched_pause: the launcher freezes the guest once its init runs, as vsched's flag would
        List<String> freeze = vs.cgroups().freezeControl(name);
        if (resources.cgroup().frozen() && !freeze.isEmpty()) k.directive("pause", freeze.get(0) + " " + freeze.get(1));
        return k.text();
    }

    /** The launcher's build, as {@code vserver-launcher --version} says it (a new one makes every plan stale). */
    private String launcherBuild() throws IOException {
        var pb = new ProcessBuilder(vs.launcher().binary().toString(), "--version").redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            p.waitFor();
            int at = out.lastIndexOf(" build ");
            if (at < 0) throw new IOException(vs.launcher().binary() + " --version said `" + out + "`: a launcher of another version; rebuild it");
            return out.substring(at + 7);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the launcher for its version");
        }
    }

    /** vserver's own code: its jar (a directory of classes when run from a build tree). */
    private static Path codeSource() {
        try {
            return Path.of(StartCompiler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            return Path.of("/nonexistent");
        }
    }

    /** The planner's view of the host, recording each path it asks about: each becomes an input of the key. */
    static final class RecordingHost {
        private final StartPlanner.Host real;
        private final java.util.LinkedHashMap<String, String> asked = new java.util.LinkedHashMap<>();

        RecordingHost(StartPlanner.Host real) { this.real = real; }

        StartPlanner.Host host() {
            return new StartPlanner.Host(p -> {
                asked.putIfAbsent(p + "\0exists", p);
                return real.exists().test(p);
            }, p -> {
                asked.putIfAbsent(p + "\0isdir", p);
                return real.isDirectory().test(p);
            }, real.cgroups());
        }

        /** {kind, path} of each question, in the order asked. */
        List<String[]> asked() {
            List<String[]> out = new ArrayList<>();
            for (var e : asked.entrySet()) out.add(new String[] {e.getKey().substring(e.getKey().indexOf('\0') + 1), e.getValue()});
            return out;
        }
    }

    /** The guest's monitor (launcher/monitor.c): its run directory, console log, lock, and bin/vserver for a reboot. */
    static Step.Monitor monitor(Vserver vs, GuestConfig cfg) {
        String name = cfg.name();
        return new Step.Monitor(vs.state().guestDir(name).toString(), vs.config().consoleLog(name).toString(),
                vs.state().lockFile(name).toString(), cfg.console().size(), vs.launcher().cli().toString(), name);
    }
}
