package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.config.ConfigException;
import org.vserver.config.IdKind;
import org.vserver.config.UsernsAllocator;
import org.vserver.config.UsernsConfig;
import org.vserver.config.UsernsFiles;
import org.vserver.config.GuestConfig;
import org.vserver.context.EnterPlanner;
import org.vserver.context.UserNamespace;
import org.vserver.context.InitStyle;
import org.vserver.context.StartPlanner;
import org.vserver.launch.Launcher;
import org.vserver.limits.ResourcePlan;
import org.vserver.net.NetworkPlan;
import org.vserver.net.NetworkPlanner;
import org.vserver.bpf.VmlinuxBtf;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanWriter;
import org.vserver.plan.Sync;
import org.vserver.proc.ProcStat;
import org.vserver.state.GuestLock;
import org.vserver.storage.GuestStorage;
import org.vserver.state.RunState;
import org.vserver.state.Xid;
import org.vserver.config.ConfigDir;
import org.vserver.config.NetworkConfig;
import org.vserver.context.Capabilities;
import org.vserver.fs.Barrier;
import org.vserver.proc.ProcStatus;

/**
 * {@code vserver NAME start}: read and check the configuration, create the cgroup and run state,
 * run the start plan, record the init, write the exec plan every later {@code exec} replays.
 * Java is gone once the init runs: nothing but the guest's own processes stays behind.
 */
public final class GuestStart {
    private final Guests guests;
    private final Vserver vs;
    private final StatusText status;

    public GuestStart(Guests guests) { this(guests, null); }

    /** @param status how the CLI words status, compiled with the start (null: status stays java's) */
    public GuestStart(Guests guests, StatusText status) {
        this.guests = guests;
        this.vs = guests.vserver();
        this.status = status;
    }

    /**
     * The guest's compiled start as {@code vserver debug plan NAME start} shows it: the launcher's
     * verdict on its key ("current", or "stale: " and the input that changed) and the plan's text;
     * empty if nothing was compiled yet.
     */
    public record CachedPlan(Path dir, String verdict, String text) {}

    public Optional<CachedPlan> cached(String name) throws IOException {
        PlanCache cache = PlanCache.of(vs.config().cacheBase(), name);
        if (!Files.exists(cache.start())) return Optional.empty();
        String verdict = launcherSays(List.of("--check", cache.dir().toString())).strip();
        String text = launcherSays(List.of("--dry-run", cache.start().toString()));
        return Optional.of(new CachedPlan(cache.dir(), verdict, text));
    }

    /** What the launcher prints for {@code args}, in this host's run directory and configuration. */
    private String launcherSays(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(vs.launcher().binary().toString()));
        cmd.addAll(args);
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("VSERVER_RUNDIR", vs.state().root().toString());
        pb.environment().put("VSERVER_CONFDIR", vs.config().confdir().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the launcher");
        }
        return out;
    }

    /** The start plan, as {@code vserver debug plan NAME start} prints it. */
    public Plan plan(GuestConfig cfg, List<String> rescue) throws ConfigException, IOException {
        return plan(cfg, rescue, new GuestStorages(vs).checked(cfg));
    }

    private Plan plan(GuestConfig cfg, List<String> rescue, GuestStorage storage) throws ConfigException {
        if (!cfg.userns().disabled() && !UserNamespace.allocated(cfg))
            throw new ConfigException(cfg.cfgdir().resolve(IdKind.UID.mapFile()),
                    "no id range yet: the guest's first start allocates it (or set userns.uidmap and userns.gidmap)");
        return new StartPlanner(StartPlanner.Host.real(vs.proc()))
                .plan(new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), rescue), vs.cgroups().delegationFiles(cfg.name()), storage,
                        StartCompiler.monitor(vs, cfg)));
    }

    /**
     * Compiles the start into the guest's plan cache and runs it. A start the launcher can do alone
     * runs as {@code bin/vserver NAME start} runs a current cached plan: {@code vserver-launcher
     * --start} (doc/plan-cache.md). One that needs java on the host (a disk
     * image, a pause) runs the same plan through the launcher's channels, java acting at its sync.
     *
     * @return false if the guest was already running (a warning, as in VServer)
     */
    public boolean start(String name, List<String> rescue) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);     // a bad file fails here, before anything is touched
        checkRoot(cfg);
        checkOwnCapabilities(cfg);
        List<String> warnings = warnings(cfg);
        StartCompiler.Compiled compiled;
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            if (guests.running(name).isPresent()) {
                vs.err().println("vserver: guest '" + name + "' is already running");
                return false;
            }
            // Under the lock and only for a guest that is not running: allocating its range may
            // shift its files (ShiftedRoot), which must not happen under a running guest.
            cfg = userNamespace(cfg);
            ShiftedRoot.check(cfg);
            // What a dead init or an interrupted start left behind; nothing to do (and no I/O
            // on the start path) for a guest that was stopped cleanly.
            if (vs.state().read(name).isPresent() || vs.cgroups().exists(name)
                    || Files.exists(vs.state().root().resolve(name + ".journal"))) guests.cleanup(name);
            int xid = cfg.context().isPresent() ? cfg.context().getAsInt()
                    : Xid.lowestFreeDynamic(vs.state().xids(name)).orElseThrow(() -> new IOException(Xid.noFreeDynamic()));
            GuestStorages storages = new GuestStorages(vs);
            GuestStorage storage = storages.prepared(cfg, guests);  // a missing or corrupt lower tree or image: refused here
            compiled = new StartCompiler(guests, status).compile(cfg, rescue, xid, storage, warnings);
            if (compiled.needsJava().isPresent() || rescue != null) {
                for (String w : warnings) vs.err().println("vserver: " + w);
                for (String n : compiled.notes()) vs.err().println("vserver: " + name + ": " + n);
                runWithJava(cfg, xid, compiled);
                return true;
            }
            // Under our lock (--locked): between the compile and the start no other command may come.
            return runAlone(name, compiled.cache());
        }
    }

    /**
     * Compiles the start now ({@code build}, {@code config set}), so that the next start runs
     * without a JVM. Touches nothing but the plan cache (and, for limits, a probe cgroup); the start
     * itself decides again under the guest's lock. A configuration that cannot be compiled yet is
     * no error here: the start will say what is wrong.
     *
     * @return why it was not compiled, or empty
     */
    public Optional<String> compileAhead(String name) {
        try {
            GuestConfig cfg = guests.config(name);
            if (!cfg.userns().disabled() && !UserNamespace.allocated(cfg)) return Optional.of("no id range yet");
            int xid = cfg.context().isPresent() ? cfg.context().getAsInt()
                    : Xid.lowestFreeDynamic(vs.state().xids(name)).orElseThrow(() -> new IOException(Xid.noFreeDynamic()));
            new StartCompiler(guests, status).compile(cfg, null, xid, new GuestStorages(vs).checked(cfg), warnings(cfg));
            return Optional.empty();
        } catch (IOException | ConfigException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** What every start says about the configuration (bin/vserver's starts say it too, from the plan's key). */
    private List<String> warnings(GuestConfig cfg) {
        List<String> out = new ArrayList<>();
        out.addAll(forgeryWarnings(cfg));
        for (Path f : ConfigDir.unsupportedUts(cfg.cfgdir()))
            out.add(f + " is ignored: the mainline kernel virtualizes only the node and domain name");
        if (cfg.seccomp().disabled())
            out.add("warning: " + cfg.cfgdir().resolve("seccomp/disabled")
                    + " exists: guest '" + cfg.name() + "' runs without a seccomp filter (remove the file to restore it)");
        if (cfg.userns().disabled())
            out.add("warning: " + cfg.cfgdir().resolve(UsernsFiles.DISABLED) + " exists: guest '" + cfg.name()
                    + "' runs without a user namespace: its root is the host's root (remove the file to restore it)");
        return out;
    }

    /**
     * {@code vserver-launcher --start DIR --locked}, what bin/vserver runs for a current plan, under
     * the lock this start holds: its words are passed on to our stderr. Exit 124 here (a stale plan, or leftovers) means another
     * command changed the guest between our compile and its start.
     */
    private boolean runAlone(String name, PlanCache cache) throws IOException {
        var pb = new ProcessBuilder(vs.launcher().binary().toString(), "--start", cache.dir().toString(), "--locked")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(vs.env());
        pb.environment().put("VSERVER_RUNDIR", vs.state().root().toString());       // the plan's key names both
        pb.environment().put("VSERVER_CONFDIR", vs.config().confdir().toString());
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting guest " + name);
        }
        vs.err().print(said);
        if (rc == 124)
            throw new IOException("guest " + name + ": another command changed it while it was starting; start it again");
        if (rc != 0) throw new GuestStartFailed(name, rc);
        return !said.contains("is already running");
    }

    /** The start failed, and the launcher said why (on stderr) and undid it. */
    public static final class GuestStartFailed extends IOException {
        GuestStartFailed(String name, int rc) {
            super("guest " + name + " did not start (the launcher exited with " + rc + "; what failed is above)");
        }

        @Override
        public synchronized Throwable fillInStackTrace() { return this; }
    }

    /**
     * The compiled plan through the launcher's channels, java doing its part: the run state once the init
     * runs, the pause after.
     * Anything that fails is undone by {@link Guests#cleanup}, the launcher's journal included.
     */
    private void runWithJava(GuestConfig cfg, int xid, StartCompiler.Compiled compiled) throws IOException {
        String name = cfg.name();
        boolean done = false;
        try {
            vs.state().create(name);
            Path log = vs.state().launcherLog(name);
            Files.deleteIfExists(log);
            Files.createFile(log, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            run(cfg, xid, compiled.start(), log);
            new GuestLimits(guests).pauseIfAsked(name, compiled.resources());
            done = true;
        } finally {
            if (!done) {
                try {
                    guests.cleanup(name);
                } catch (IOException | RuntimeException e) {
                    vs.err().println("vserver: warning: undoing the failed start of " + name + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * The guest's id ranges: its {@code userns/} files, allocated now from root's subordinate ids
     * if it has none yet (a guest built before user namespaces, or whose files were removed), and
     * checked against every other guest's; with a newly allocated range, its files shifted if its
     * filesystem refuses an idmapped root. A guest with {@code userns/disabled} runs as before,
     * warned at every start like a guest without its seccomp filter.
     */
    private GuestConfig userNamespace(GuestConfig cfg) throws IOException, ConfigException {
        if (cfg.userns().disabled()) return cfg;
        boolean allocated = cfg.userns().uid().isEmpty() || cfg.userns().gid().isEmpty();
        var a = new UsernsAllocator(vs.subids()).allocate(vs.config(), cfg.name());
        for (String m : a.messages()) vs.err().println("vserver: " + m);
        for (String w : a.warnings()) vs.err().println("vserver: warning: " + w);
        cfg = cfg.withUserns(new UsernsConfig(Optional.of(a.uid()), Optional.of(a.gid()), false, cfg.userns().shifted()));
        // A guest built before user namespaces gets its range now; if its filesystem refuses an
        // idmapped root, its files are shifted now, once (as a build does).
        return allocated ? new ShiftedRoot(vs).shiftIfRefused(cfg) : cfg;
    }

    /**
     * The guest's network plan as status summarizes it: addresses and mode, without what the
     * programs need of the kernel (reading its BTF costs some 50 ms).
     */
    public NetworkPlan networkSummary(GuestConfig cfg, int xid) throws ConfigException {
        return NetworkPlanner.plan(cfg, xid, Capabilities.bounding(cfg), 0, -1);
    }

    /** The guest's network plan (vserver debug plan NAME network prints it). */
    public NetworkPlan networkPlan(GuestConfig cfg, int xid) throws ConfigException {
        // only a netns guest's MAC uses the host's byte: no file read on the other modes' start path
        int hostByte = cfg.network().mode() == NetworkConfig.Mode.NETNS
                ? NetworkPlanner.hostByte(Path.of("/etc/machine-id")) : 0;
        // a shared guest's [::] follows the socket's IPV6_V6ONLY, which its bind program reads where this kernel keeps it
        int ipv6only = -1;
        if (cfg.network().mode() == NetworkConfig.Mode.SHARED) {
            try {
                ipv6only = VmlinuxBtf.ipv6onlyBit();
            } catch (java.io.IOException unreadable) {
                // -1: [::] stays ::ffff:PRIMARY (a V6ONLY listener then fails, as before)
            }
        }
        return NetworkPlanner.plan(cfg, xid, Capabilities.bounding(cfg), hostByte, ipv6only);
    }

    /**
     * Runs the start plan. The launcher's stderr is {@code log} until the plan opens the guest's own
     * console as the init's stdout and stderr; what the launcher said there is shown if the start fails
     * (the run state, the log with it, is removed then).
     */
    private void run(GuestConfig cfg, int xid, Plan plan, Path log) throws IOException {
        try {
            launch(cfg, xid, plan, log);
        } catch (IOException | RuntimeException e) {
            String said = launcherSaid(log);
            if (!said.isEmpty()) vs.err().println("vserver: the launcher said: " + said);
            throw e;
        }
    }

    /** The first 4 KiB of the launcher's log, stripped; "" if there is none. */
    private static String launcherSaid(Path log) {
        try (var in = Files.newInputStream(log)) {
            return new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private void launch(GuestConfig cfg, int xid, Plan plan, Path log) throws IOException {
        int[] child = {0};
        vs.launcher().run(plan, new Launcher.Stdio.OutputFile(log), new Launcher.Host() {

            @Override
            public void childPid(int pid) { child[0] = pid; }

            @Override
            public void sync(Sync sync) {}                           // a start plan has no sync: its host steps are its own
        });
        record(cfg, xid, child[0]);
    }

    /** Writes the run state once the init runs (the plan linked its exec plan into the run directory). */
    private void record(GuestConfig cfg, int xid, int initPid) throws IOException {
        long start = ProcStat.read(vs.proc().root(), initPid)
                .orElseThrow(() -> new IOException("the guest's init (pid " + initPid + ") died during start"))
                .startTicks();
        new RunState(cfg.name(), xid, initPid, start, System.currentTimeMillis(), vs.cgroupParent())
                .write(vs.state().stateFile(cfg.name()));
    }

    /**
     * The guest's cgroup; once more if the first try failed, because the last guest's stop may
     * have removed the shared parent between our mkdir of it and of the guest's directory.
     */
    private void createCgroup(String name) throws IOException {
        try {
            vs.cgroups().create(name);
        } catch (IOException raced) {
            vs.cgroups().create(name);
        }
    }

    /**
     * A capability vserver itself lacks (a container or a restricted host may run it with a reduced
     * bounding set) can be given to no guest: the launcher's capset would fail with a bare EPERM.
     */
    private void checkOwnCapabilities(GuestConfig cfg) throws IOException, ConfigException {
        var own = ProcStatus.boundingSet(vs.proc().self());
        var missing = new java.util.TreeSet<String>();
        for (var c : Capabilities.bounding(cfg))
            if (!own.contains(c)) missing.add("CAP_" + c.name());
        if (!missing.isEmpty())
            throw new ConfigException(cfg.cfgdir().resolve("bcapabilities"), String.join(", ", missing)
                    + ": not in vserver's own bounding set on this host, so no guest can be given "
                    + (missing.size() == 1 ? "it" : "them") + "; remove " + (missing.size() == 1 ? "it" : "them")
                    + " or run vserver with " + (missing.size() == 1 ? "it" : "them"));
    }

    /** bcapabilities that add AUDIT_WRITE: allowed, but said at every start, naming the file that adds it. */
    private List<String> forgeryWarnings(GuestConfig cfg) {
        List<String> out = new ArrayList<>();
        var bounding = Capabilities.bounding(cfg);
        for (var c : Capabilities.FORGES_HOST_RECORDS) {
            if (!bounding.contains(c)) continue;
            Path own = cfg.cfgdir().resolve("bcapabilities");
            Path file = Files.exists(own) ? own : vs.config().defaultsDir().resolve("bcapabilities");
            out.add("warning: " + file + " gives guest '" + cfg.name() + "' CAP_" + c.name()
                    + ": guest root is the host's uid 0 (no user namespace), so the audit records it sends (a forged"
                    + " sshd login, say) are logged as the host's own; remove the line unless a tool in the guest needs it");
        }
        return out;
    }

    private void checkRoot(GuestConfig cfg) throws IOException, ConfigException {
        Path vdir = cfg.vdir();
        if (!Files.isDirectory(vdir))
            throw new IOException("guest root " + vdir + " does not exist: build the guest first (vserver "
                    + cfg.name() + " build -m host)");
        Barrier.check(vdir, vs.config().vdirBase());   // host users must not reach its setuid files
    }
}
