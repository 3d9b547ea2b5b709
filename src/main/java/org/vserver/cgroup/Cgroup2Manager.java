package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v2: one directory {@code <root>/<parent>/<guest>} in the unified hierarchy. The
 * controllers the root offers among cpu, cpuset, memory, pids and io are enabled for the levels
 * above the guest; a controller-less hierarchy (a hybrid host's /sys/fs/cgroup/unified) works with none.
 */
public final class Cgroup2Manager implements CgroupManager {
    private final Path root;
    private final List<String> parent;
    private final CgroupDirs dirs;
    private final Timeouts timeouts;

    public Cgroup2Manager(Path root, String parent) {
        this(root, parent, CgroupDirs.KERNEL, Timeouts.DEFAULT);
    }

    Cgroup2Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts) {
        this.root = root;
        this.parent = CgroupName.parent(parent);
        this.dirs = dirs;
        this.timeouts = timeouts;
    }

    private Path parentDir() {
        Path d = root;
        for (String s : parent) d = d.resolve(s);
        return d;
    }

    private Path dir(String guest) {
        return parentDir().resolve(CgroupName.guest(guest));
    }

    @Override
    public void create(String guest) throws IOException {
        List<Integer> busy = processes(guest);
        if (!busy.isEmpty()) throw new IOException("mkdir(`" + dir(guest) + "`) failed: cgroup in use by pids " + busy);
        List<String> controllers = SubtreeControl.offered(root);
        SubtreeControl.enable(root, controllers);
        Path d = root;
        for (String s : parent) {
            d = d.resolve(s);
            CgroupTree.mkdir(dirs, d);
            SubtreeControl.enable(d, controllers);
        }
        CgroupTree.mkdir(dirs, d.resolve(guest));
        // device policy: an eBPF program on v2, not attached yet (see DeviceRules)
    }

    @Override
    public boolean exists(String guest) {
        return Files.isDirectory(dir(guest));
    }

    @Override
    public void addProcess(String guest, int pid) throws IOException {
        CgroupFiles.append(dir(guest).resolve("cgroup.procs"), Integer.toString(pid));
    }

    @Override
    public List<Path> procsFiles(String guest) {
        return List.of(dir(guest).resolve("cgroup.procs"));
    }

    @Override
    public List<Integer> processes(String guest) throws IOException {
        return CgroupTree.pids(dir(guest), "cgroup.procs");
    }

    @Override
    public void freeze(String guest, boolean frozen) throws IOException {
        Path d = dir(guest);
        if (Freezer2.available(d)) new Freezer2(timeouts.freeze()).freeze(d, frozen);
    }

    @Override
    public Usage usage(String guest) throws IOException {
        Path d = dir(guest);
        if (!Files.isDirectory(d)) throw CgroupFiles.failure("stat", d, new NoSuchFileException(d.toString()));
        CpuTime cpu = CpuTime.cpuStat(d);
        Path pids = d.resolve("pids.current");
        int tasks = Files.exists(pids) ? (int) CgroupFiles.number(pids) : CgroupTree.countLines(d, "cgroup.threads");
        return new Usage(cpu.userNanos(), cpu.systemNanos(), MemoryController.usage2(d), tasks);
    }

    @Override
    public void remove(String guest) throws IOException {
        CgroupTree.remove(dirs, dir(guest), timeouts.busy());
    }

    @Override
    public void removeParent() throws IOException {
        Path d = parentDir();
        for (int i = parent.size(); i > 0 && CgroupTree.removeIfEmpty(dirs, d, timeouts.busy()); i--) d = d.getParent();
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
        return "cgroup v2";
    }
}
