package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.vserver.limits.CpuList;

/**
 * cgroup v1: one directory {@code <root>/<hierarchy>/<parent>/<guest>} in every mounted hierarchy
 * that carries one of cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids
 * ({@link Hierarchy#scan}; co-mounted hierarchies like {@code cpu,cpuacct} count once).
 */
public final class Cgroup1Manager implements CgroupManager {
    private final Path root;
    private final List<String> parent;
    private final List<Hierarchy> hierarchies;
    private final CgroupDirs dirs;
    private final Timeouts timeouts;
    private final CgroupWriter writer;
    private final Path online;

    /** @throws IOException if {@code root} cannot be listed */
    public Cgroup1Manager(Path root, String parent) throws IOException {
        this(root, parent, CgroupDirs.KERNEL, Timeouts.DEFAULT);
    }

    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts) throws IOException {
        this(root, parent, dirs, timeouts, CgroupWriter.KERNEL, Cgroup2Manager.ONLINE);
    }

    /**
     * @param writer the limits' writes go through it (tests record their order)
     * @param online the host's online CPUs, for {@link #cpus} without a cpuset hierarchy
     */
    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts, CgroupWriter writer, Path online)
            throws IOException {
        this.root = root;
        this.parent = CgroupName.parent(parent);
        this.hierarchies = Hierarchy.scan(root);
        this.dirs = dirs;
        this.timeouts = timeouts;
        this.writer = writer;
        this.online = online;
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
    }

    private void mkdir(Hierarchy h, Path dir) throws IOException {
        CgroupTree.mkdir(dirs, dir);
        if (h.has("cpuset")) CpusetController.inherit(dir);           // before any task joins
    }

    @Override
    public boolean exists(String guest) {
        return hierarchies.stream().anyMatch(h -> Files.isDirectory(dir(h, guest)));
    }

    @Override
    public void addProcess(String guest, int pid) throws IOException {
        for (Path procs : procsFiles(guest)) CgroupFiles.append(procs, Integer.toString(pid));
    }

    @Override
    public List<Path> procsFiles(String guest) {
        return hierarchies.stream().map(h -> dir(h, guest).resolve("cgroup.procs")).toList();
    }

    @Override
    public List<Integer> processes(String guest) throws IOException {
        Optional<Hierarchy> h = counting();
        return h.isEmpty() ? List.of() : CgroupTree.pids(dir(h.get(), guest), "cgroup.procs");
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
    }

    @Override
    public void removeParent() throws IOException {
        for (Hierarchy h : hierarchies) {
            Path d = parentDir(h);
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
