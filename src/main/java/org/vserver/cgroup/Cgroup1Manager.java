package org.vserver.cgroup;

import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.vserver.kernel.CpuList;

/**
 * cgroup v1: one directory {@code <root>/<hierarchy>/<parent>/<guest>} in every mounted hierarchy
 * that carries one of cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids
 * ({@link Hierarchy#scan}; co-mounted hierarchies like {@code cpu,cpuacct} count once).
 *
 * <p>Hybrid: the guest also has a unified cgroup for BPF programs. When {@code <root>/unified} is a
 * cgroup2 mount (systemd's hybrid layout), the guest gets {@code <root>/unified/<parent>/<guest>}
 * too, and its processes join it like every hierarchy ({@link #procsFiles} lists it). The kernel
 * runs the cgroup-bpf programs of a process's cgroup in that default hierarchy even while v1
 * controllers are in use, so the guest's device program ({@link DevicePolicy}) is attached there
 * in addition to the v1 devices controller's rules: two independent layers, both must allow an
 * open or mknod. Other cgroup-bpf hooks (network) belong on the same directory. It is made fresh
 * by {@link #create} and removed with the guest's other directories.
 */
public final class Cgroup1Manager implements CgroupManager {
    private final Path root;
    private final String parentName;
    private final List<String> parent;
    private final List<Hierarchy> hierarchies;
    private final CgroupDirs dirs;
    private final Timeouts timeouts;
    private final CgroupWriter writer;
    private final Path online;
    private final Optional<Path> unified;
    private final DevicePolicy devices;

    /**
     * With the unified hierarchy found through {@code mountinfo} ({@link #unifiedOf}).
     *
     * @param devices the composition root's {@link DevicePolicy#bpf}, for the unified directory
     * @throws IOException if {@code root} cannot be listed
     */
    public Cgroup1Manager(Path root, String parent, Path mountinfo, DevicePolicy devices) throws IOException {
        this(root, parent, CgroupDirs.FILES, Timeouts.DEFAULT, CgroupWriter.FILES, Cgroup2Manager.ONLINE,
                unifiedOf(root, mountinfo), devices);
    }

    /** Without a unified hierarchy (fixture trees of the v1 controllers). */
    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts) throws IOException {
        this(root, parent, dirs, timeouts, CgroupWriter.FILES, Cgroup2Manager.ONLINE);
    }

    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts, CgroupWriter writer, Path online)
            throws IOException {
        this(root, parent, dirs, timeouts, writer, online, Optional.empty(), NO_UNIFIED);
    }

    /** Without a unified hierarchy there is no directory a device program could go on. */
    private static final DevicePolicy NO_UNIFIED = new DevicePolicy() {
        @Override
        public void attach(Path cgroup) {
            throw new IllegalStateException("no unified hierarchy to attach a device program to: " + cgroup);
        }

        @Override
        public List<Integer> attached(Path cgroup) {
            return List.of();
        }
    };

    /**
     * @param writer  the limits' writes go through it (tests record their order)
     * @param online  the host's online CPUs, for {@link #cpus} without a cpuset hierarchy
     * @param unified the mount of the cgroup2 hierarchy beside the v1 ones, if any
     * @param devices attaches the device program to the guest's unified directory
     */
    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts, CgroupWriter writer, Path online,
            Optional<Path> unified, DevicePolicy devices) throws IOException {
        this.root = root;
        this.parentName = parent;
        this.parent = CgroupName.parent(parent);
        this.hierarchies = Hierarchy.scan(root);
        this.dirs = dirs;
        this.timeouts = timeouts;
        this.writer = writer;
        this.online = online;
        this.unified = unified;
        this.devices = devices;
    }

    /** {@code <root>/unified} if {@code mountinfo} lists it as a cgroup2 mount point. */
    static Optional<Path> unifiedOf(Path root, Path mountinfo) throws IOException {
        Path u = root.resolve("unified");
        return Mountinfo.isMountPoint(mountinfo, u, "cgroup2") ? Optional.of(u) : Optional.empty();
    }

    /** The cgroup2 mount the guests also get a directory in (hybrid hosts), if any. */
    Optional<Path> unified() {
        return unified;
    }

    // Plain ifs rather than Optional.map: lambdas cost every command's start a bootstrap.
    private Optional<Path> unifiedParent() {
        if (unified.isEmpty()) return Optional.empty();
        Path d = unified.get();
        for (String s : parent) d = d.resolve(s);
        return Optional.of(d);
    }

    private Optional<Path> unifiedDir(String guest) {
        Optional<Path> p = unifiedParent();
        return p.isEmpty() ? p : Optional.of(p.get().resolve(CgroupName.guest(guest)));
    }

    @Override
    public Optional<Path> bpfDir(String guest) {
        return unifiedDir(guest);
    }

    /** The hierarchies this manager writes to, in {@link Hierarchy#CONTROLLERS} order. */
    List<Hierarchy> hierarchies() {
        return hierarchies;
    }

    private Path parentDir(Hierarchy h) {
        Path d = h.mount();
        for (String s : parent) d = d.resolve(s);
        return d;
    }

    private Path dir(Hierarchy h, String guest) {
        return parentDir(h).resolve(CgroupName.guest(guest));
    }

    private Optional<Hierarchy> with(String controller) {
        return hierarchies.stream().filter(h -> h.has(controller)).findFirst();
    }

    /** The hierarchy processes and tasks are counted in: pids, else freezer, else the first. */
    private Optional<Hierarchy> counting() {
        return with("pids").or(() -> with("freezer")).or(() -> hierarchies.stream().findFirst());
    }

    @Override
    public void create(String guest) throws IOException {
        List<Integer> busy = processes(guest);
        if (!busy.isEmpty())
            throw new IOException("mkdir(`" + dir(counting().orElseThrow(), guest) + "`) failed: cgroup in use by pids " + busy);
        for (Hierarchy h : hierarchies) {
            Path d = h.mount();
            for (String s : parent) {
                d = d.resolve(s);
                mkdir(h, d);
                if (h.has("memory")) MemoryController.useHierarchy(d);   // before it has children
            }
            Path g = d.resolve(guest);
            mkdir(h, g);
            if (h.has("devices")) DevicesController.restrict(g);
        }
        if (unified.isPresent()) {
            Path d = unified.get();
            for (String s : parent) CgroupTree.mkdir(dirs, d = d.resolve(s));
            Cgroup2Manager.freshWithDevicePolicy(dirs, timeouts, devices, d.resolve(guest));
        }
    }

    @Override
    public StartSteps startSteps(String guest, CgroupLimits limits) throws IOException {
        var s = new ArrayList<Step>();
        for (Hierarchy h : hierarchies) {
            Path d = h.mount();
            for (String seg : parent) {
                d = d.resolve(seg);
                s.add(new Step.MkdirHost(d.toString(), 0755));
                if (h.has("cpuset")) s.add(new Step.CpusetInherit(d.toString()));
                // memory.use_hierarchy: fixed at 1 since Linux 5.x; written only where the root says otherwise
                Path useHierarchy = h.mount().resolve("memory.use_hierarchy");
                if (h.has("memory") && Files.exists(useHierarchy) && !CgroupFiles.read(useHierarchy).equals("1"))
                    s.add(new Step.WriteFile(d.resolve("memory.use_hierarchy").toString(), "1"));
            }
            Path g = d.resolve(CgroupName.guest(guest));
            s.add(new Step.CgroupMkdir(g.toString()));
            if (h.has("cpuset")) s.add(new Step.CpusetInherit(g.toString()));
            if (h.has("devices")) {
                s.add(new Step.WriteFile(g.resolve("devices.deny").toString(), "a"));
                for (DeviceRules.Rule rule : DeviceRules.ALLOW)
                    s.add(new Step.WriteFile(g.resolve("devices.allow").toString(), rule.toString()));
            }
        }
        Optional<Path> u = unifiedDir(guest);
        if (u.isPresent()) {
            Path d = unified.get();
            for (String seg : parent) s.add(new Step.MkdirHost((d = d.resolve(seg)).toString(), 0755));
            s.add(new Step.CgroupMkdir(u.get().toString()));
            devices.step(u.get()).ifPresent(s::add);
        }
        StartSteps limited = CgroupLimits.DEFAULT.equals(limits.withFrozen(false)) ? new StartSteps(List.of(), List.of())
                : probe(guest, limits.withFrozen(false));
        s.addAll(limited.steps());
        for (Path procs : procsFiles(guest)) s.add(new Step.WriteFile(procs.toString(), "0"));
        return new StartSteps(s, limited.notes());
    }

    /** {@link ProbeWrites}: the writes of {@code limits} into a fresh cgroup of this host. */
    private StartSteps probe(String guest, CgroupLimits limits) throws IOException {
        String probe = ProbeWrites.probeParent();
        var writes = new ProbeWrites();
        var real = new Cgroup1Manager(root, probe, dirs, timeouts, CgroupWriter.FILES, online, unified, devices);
        var recording = new Cgroup1Manager(root, probe, dirs, timeouts, writes, online, unified, devices);
        return ProbeWrites.limits(real, recording, writes, probe, parentName, guest, limits);
    }

    @Override
    public List<String> statusTemplate(String guest) {
        Path cpu = dirOf("cpu", guest).resolve("cpu.stat"), mem = dirOf("memory", guest);
        Optional<Hierarchy> freezer = with("freezer");
        String frozen = freezer.isPresent() ? "@F1:" + dir(freezer.get(), guest).resolve(Freezer1.STATE) + "@" : "";
        String cpuLine = with("cpu").isEmpty() ? "CPU: no bandwidth accounting on this host"
                : "CPU: held in @dK:" + cpu + ":nr_throttled@ of @dK:" + cpu + ":nr_periods@ periods (@nK:" + cpu + ":throttled_time@ s),"
                + " burst in @zK:" + cpu + ":nr_bursts@ (@NK:" + cpu + ":burst_time@ s)" + frozen;
        return List.of(cpuLine,
                "Memory: @mN:" + mem.resolve("memory.usage_in_bytes") + "@ used, peak @mN:" + mem.resolve("memory.max_usage_in_bytes")
                        + "@; OOM kills @cK:" + mem.resolve("memory.oom_control") + ":oom_kill@, allocations over the limit @cN:"
                        + mem.resolve("memory.failcnt") + "@",
                "Tasks: @cL:" + dir(counting().orElseThrow(), guest).resolve("tasks") + "@; forks refused at nproc @cK:"
                        + dirOf("pids", guest).resolve("pids.events") + ":max@");
    }

    @Override
    public List<String> freezeControl(String guest) {
        Optional<Hierarchy> h = with("freezer");
        return h.isEmpty() ? List.of() : List.of(dir(h.get(), guest).resolve(Freezer1.STATE).toString(), "FROZEN", "THAWED");
    }

    private void mkdir(Hierarchy h, Path dir) throws IOException {
        CgroupTree.mkdir(dirs, dir);
        if (h.has("cpuset")) CpusetController.inherit(dir);           // before any task joins
    }

    @Override
    public boolean exists(String guest) {
        return hierarchies.stream().anyMatch(h -> Files.isDirectory(dir(h, guest)))
                || unifiedDir(guest).isPresent() && Files.isDirectory(unifiedDir(guest).get());
    }

    @Override
    public void addProcess(String guest, int pid) throws IOException {
        for (Path procs : procsFiles(guest)) CgroupFiles.append(procs, Integer.toString(pid));
    }

    @Override
    public List<Path> procsFiles(String guest) {
        var out = new ArrayList<Path>();
        for (Hierarchy h : hierarchies) out.add(dir(h, guest).resolve("cgroup.procs"));
        Optional<Path> u = unifiedDir(guest);
        if (u.isPresent()) out.add(u.get().resolve("cgroup.procs"));
        return List.copyOf(out);
    }

    @Override
    public List<Path> delegationFiles(String guest) {
        var out = new ArrayList<Path>();
        for (Hierarchy h : hierarchies) {
            Path d = dir(h, guest);
            out.addAll(List.of(d, d.resolve("cgroup.procs"), d.resolve("tasks")));
        }
        unifiedDir(guest).ifPresent(d -> out.addAll(Cgroup2Manager.delegation(d)));
        return List.copyOf(out);
    }

    @Override
    public List<Integer> processes(String guest) throws IOException {
        Optional<Hierarchy> h = counting();
        List<Integer> counted = h.isEmpty() ? List.of() : CgroupTree.pids(dir(h.get(), guest), "cgroup.procs");
        Optional<Path> u = unifiedDir(guest);
        if (u.isEmpty()) return counted;
        // a process that joined only the unified cgroup (an interrupted join) still keeps the guest busy
        var all = new java.util.LinkedHashSet<>(counted);
        all.addAll(CgroupTree.pids(u.get(), "cgroup.procs"));
        return List.copyOf(all);
    }

    @Override
    public void freeze(String guest, boolean frozen) throws IOException {
        Optional<Hierarchy> h = with("freezer");
        if (h.isPresent()) new Freezer1(timeouts.freeze()).freeze(dir(h.get(), guest), frozen);
    }

    @Override
    public Usage usage(String guest) throws IOException {
        Path counted = dir(counting().orElseThrow(() -> new IOException("no cgroup v1 hierarchy")), guest);
        if (!Files.isDirectory(counted)) throw CgroupFiles.failure("stat", counted, new NoSuchFileException(counted.toString()));
        Optional<Hierarchy> cpuacct = with("cpuacct");
        Optional<Hierarchy> memory = with("memory");
        CpuTime cpu = cpuacct.isPresent() ? CpuTime.cpuacct(dir(cpuacct.get(), guest)) : CpuTime.UNKNOWN;
        long bytes = memory.isPresent() ? MemoryController.usage1(dir(memory.get(), guest)) : -1;
        return new Usage(cpu.userNanos(), cpu.systemNanos(), bytes, CgroupTree.countLines(counted, "tasks"));
    }

    @Override
    public void remove(String guest) throws IOException {
        for (Hierarchy h : hierarchies) CgroupTree.remove(dirs, dir(h, guest), timeouts.busy());
        Optional<Path> u = unifiedDir(guest);
        if (u.isPresent()) CgroupTree.remove(dirs, u.get(), timeouts.busy());     // detaches the device program
    }

    @Override
    public void removeParent() throws IOException {
        for (Hierarchy h : hierarchies) {
            Path d = parentDir(h);
            for (int i = parent.size(); i > 0 && CgroupTree.removeIfEmpty(dirs, d, timeouts.busy()); i--) d = d.getParent();
        }
        Optional<Path> u = unifiedParent();
        if (u.isPresent()) {
            Path d = u.get();
            for (int i = parent.size(); i > 0 && CgroupTree.removeIfEmpty(dirs, d, timeouts.busy()); i--) d = d.getParent();
        }
    }

    /**
     * The guest's directory in the hierarchy of {@code controller}; without that hierarchy, where it
     * would be ({@code <root>/<controller>/<parent>/<guest>}), so a limit that needs it names it.
     */
    private Path dirOf(String controller, String guest) {
        return with(controller).map(h -> dir(h, guest)).orElseGet(() -> {
            Path d = root.resolve(controller);
            for (String s : parent) d = d.resolve(s);
            return d.resolve(CgroupName.guest(guest));
        });
    }

    private void requireExists(String guest) throws IOException {
        if (!exists(guest)) {
            Path d = dir(counting().orElseThrow(() -> new IOException("no cgroup v1 hierarchy under " + root)), guest);
            throw new IOException("stat(`" + d + "`) failed: No such file or directory: the guest's cgroup does not exist"
                    + " (is the guest running?)");
        }
    }

    /** Order: cpu, cpuset, memory, pids, blkio, then the freezer, so a guest is frozen with its new limits in place. */
    @Override
    public List<String> apply(String guest, CgroupLimits limits) throws IOException {
        requireExists(guest);
        var notes = new ArrayList<String>();
        CpuController1.apply(writer, dirOf("cpu", guest), limits.cpu(), limits.cpuWeight());
        Optional<Hierarchy> cpuset = with("cpuset");
        if (cpuset.isPresent()) CpusetController.apply1(writer, cpuset.get().mount(), dir(cpuset.get(), guest), limits);
        else if (limits.cpus().isPresent() || limits.mems().isPresent() || limits.cpuExclusive() || limits.memExclusive())
            throw ControlFile.missing(dirOf("cpuset", guest), "cpuset.cpus", "cpuset", "a cpuset");
        notes.addAll(MemoryController.apply1(writer, dirOf("memory", guest), limits.memory()));
        PidsController.apply(writer, dirOf("pids", guest), limits.pidsMax());
        notes.addAll(IoWeight1.apply(writer, dirOf("blkio", guest), limits.ioWeight()));
        Optional<Hierarchy> freezer = with("freezer");
        if (freezer.isPresent()) new Freezer1(timeouts.freeze()).freeze(dir(freezer.get(), guest), limits.frozen());
        else if (limits.frozen())
            throw ControlFile.missing(dirOf("freezer", guest), Freezer1.STATE, "freezer", "a frozen state");
        return List.copyOf(notes);
    }

    @Override
    public Counters counters(String guest) throws IOException {
        requireExists(guest);
        Throttling cpu = CpuController1.stat(dirOf("cpu", guest));
        Path memory = dirOf("memory", guest);
        Optional<Hierarchy> freezer = with("freezer");
        boolean frozen = freezer.isPresent() && CgroupFiles.read(dir(freezer.get(), guest).resolve(Freezer1.STATE)).equals("FROZEN");
        return new Counters(cpu.periods(), cpu.throttled(), cpu.throttledUsec(), cpu.bursts(), cpu.burstUsec(),
                MemoryController.oomKills1(memory), MemoryController.failures1(memory),
                PidsController.forkRefusals(dirOf("pids", guest)), MemoryController.usage1(memory),
                MemoryController.peak1(memory), CgroupTree.countLines(dir(counting().orElseThrow(), guest), "tasks"), frozen);
    }

    @Override
    public SequencedMap<String, String> settings(String guest) throws IOException {
        requireExists(guest);
        var out = new LinkedHashMap<String, String>();
        out.putAll(ControlFile.existing(dirOf("cpu", guest), CpuController1.FILES));
        out.putAll(ControlFile.existing(dirOf("cpuset", guest), CpusetController.FILES1));
        out.putAll(ControlFile.existing(dirOf("memory", guest), MemoryController.FILES1));
        out.putAll(ControlFile.existing(dirOf("pids", guest), PidsController.FILES));
        out.putAll(ControlFile.existing(dirOf("blkio", guest), IoWeight1.FILES));
        out.putAll(ControlFile.existing(dirOf("freezer", guest), List.of(Freezer1.STATE)));
        return out;
    }

    /** The parent's effective CPUs (the hierarchy root's before the parent exists); the online CPUs without cpuset. */
    @Override
    public CpuList cpus() throws IOException {
        Optional<Hierarchy> cpuset = with("cpuset");
        if (cpuset.isEmpty()) return CpuList.parse(CgroupFiles.read(online));
        Path p = parentDir(cpuset.get());
        Path from = Files.isDirectory(p) ? p : cpuset.get().mount();
        Optional<Path> f = ControlFile.first(from, "cpuset.effective_cpus", "cpuset.cpus");
        return CpuList.parse(CgroupFiles.read(f.orElse(online)));
    }

    @Override
    public String version() {
        return "cgroup v1";
    }
}
