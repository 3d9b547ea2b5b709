package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * cgroup v1: one directory {@code <root>/<hierarchy>/<parent>/<guest>} in every mounted hierarchy
 * that carries one of cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids
 * ({@link Hierarchy#scan}; co-mounted hierarchies like {@code cpu,cpuacct} count once).
 */
public final class Cgroup1Manager implements CgroupManager {
    private final List<String> parent;
    private final List<Hierarchy> hierarchies;
    private final CgroupDirs dirs;
    private final Timeouts timeouts;

    /** @throws IOException if {@code root} cannot be listed */
    public Cgroup1Manager(Path root, String parent) throws IOException {
        this(root, parent, CgroupDirs.KERNEL, Timeouts.DEFAULT);
    }

    Cgroup1Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts) throws IOException {
        this.parent = CgroupName.parent(parent);
        this.hierarchies = Hierarchy.scan(root);
        this.dirs = dirs;
        this.timeouts = timeouts;
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

    @Override
    public List<String> apply(String guest, CgroupLimits limits) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Counters counters(String guest) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public java.util.SequencedMap<String, String> settings(String guest) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public org.vserver.limits.CpuList cpus() throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public String version() {
        return "cgroup v1";
    }
}
