package org.vserver.cgroup;

import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.vserver.kernel.CpuList;

/**
 * cgroup v2: one directory {@code <root>/<parent>/<guest>} in the unified hierarchy. The
 * controllers the root offers among cpu, cpuset, memory, pids and io are enabled for the levels
 * above the guest; a controller-less hierarchy (a hybrid host's /sys/fs/cgroup/unified) works with none.
 * v2 has no devices controller: the guest's device policy is an eBPF program ({@link DevicePolicy})
 * attached to the guest's directory, which is therefore always made fresh by {@link #create}.
 */
public final class Cgroup2Manager implements CgroupManager {
    /** The host's online CPUs, in the kernel's list format. */
    static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private final Path root;
    private final String parentName;
    private final List<String> parent;
    private final CgroupDirs dirs;
    private final Timeouts timeouts;
    private final CgroupWriter writer;
    private final Path online;
    private final DevicePolicy devices;

    /** @param devices the composition root's {@link DevicePolicy#bpf} */
    public Cgroup2Manager(Path root, String parent, DevicePolicy devices) {
        this(root, parent, CgroupDirs.FILES, Timeouts.DEFAULT, CgroupWriter.FILES, ONLINE, devices);
    }

    Cgroup2Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts, DevicePolicy devices) {
        this(root, parent, dirs, timeouts, CgroupWriter.FILES, ONLINE, devices);
    }

    /**
     * @param writer the limits' writes go through it (tests record their order)
     * @param online the host's online CPUs, for {@link #cpus} without a cpuset controller
     * @param devices attaches the device program (a fixture tree records it)
     */
    Cgroup2Manager(Path root, String parent, CgroupDirs dirs, Timeouts timeouts, CgroupWriter writer, Path online,
            DevicePolicy devices) {
        this.root = root;
        this.parentName = parent;
        this.parent = CgroupName.parent(parent);
        this.dirs = dirs;
        this.timeouts = timeouts;
        this.writer = writer;
        this.online = online;
        this.devices = devices;
    }

    private Path parentDir() {
        Path d = root;
        for (String s : parent) d = d.resolve(s);
        return d;
    }

    @Override
    public java.util.Optional<Path> bpfDir(String guest) {
        return java.util.Optional.of(dir(guest));
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
        freshWithDevicePolicy(dirs, timeouts, devices, d.resolve(guest));
    }

    @Override
    public StartSteps startSteps(String guest, CgroupLimits limits) throws IOException {
        var s = new ArrayList<Step>();
        List<String> controllers = SubtreeControl.offered(root);
        String enable = controllers.stream().map(c -> "+" + c).collect(java.util.stream.Collectors.joining(" "));
        Path d = root;
        if (!enable.isEmpty()) s.add(new Step.WriteFile(d.resolve("cgroup.subtree_control").toString(), enable));
        for (String seg : parent) {
            d = d.resolve(seg);
            s.add(new Step.MkdirHost(d.toString(), 0755));
            if (!enable.isEmpty()) s.add(new Step.WriteFile(d.resolve("cgroup.subtree_control").toString(), enable));
        }
        Path g = dir(guest);
        s.add(new Step.CgroupMkdir(g.toString()));
        devices.step(g).ifPresent(s::add);
        StartSteps limited = CgroupLimits.DEFAULT.equals(limits.withFrozen(false)) ? new StartSteps(List.of(), List.of())
                : probe(guest, limits.withFrozen(false));
        s.addAll(limited.steps());
        s.add(new Step.WriteFile(g.resolve("cgroup.procs").toString(), "0"));
        return new StartSteps(s, limited.notes());
    }

    /** {@link ProbeWrites}: the writes of {@code limits} into a fresh cgroup of this host. */
    private StartSteps probe(String guest, CgroupLimits limits) throws IOException {
        String probe = ProbeWrites.probeParent();
        var writes = new ProbeWrites();
        var real = new Cgroup2Manager(root, probe, dirs, timeouts, CgroupWriter.FILES, online, devices);
        var recording = new Cgroup2Manager(root, probe, dirs, timeouts, writes, online, devices);
        return ProbeWrites.limits(real, recording, writes, probe, parentName, guest, limits);
    }

    @Override
    public List<String> statusTemplate(String guest) {
        Path d = dir(guest), cpu = d.resolve("cpu.stat"), events = d.resolve("memory.events");
        return List.of(
                "CPU: held in @dK:" + cpu + ":nr_throttled@ of @dK:" + cpu + ":nr_periods@ periods (@uK:" + cpu + ":throttled_usec@ s),"
                        + " burst in @zK:" + cpu + ":nr_bursts@ (@UK:" + cpu + ":burst_usec@ s)@F2:" + d.resolve("cgroup.events") + "@",
                "Memory: @mN:" + d.resolve("memory.current") + "@ used, peak @mN:" + d.resolve("memory.peak") + "@; OOM kills @cK:"
                        + events + ":oom_kill@, allocations over the limit @cK:" + events + ":max@",
                "Tasks: @cP:" + d.resolve("pids.current") + ":" + d.resolve("cgroup.threads") + "@; forks refused at nproc @cK:"
                        + d.resolve("pids.events") + ":max@");
    }

    @Override
    public List<String> freezeControl(String guest) {
        return List.of(dir(guest).resolve("cgroup.freeze").toString(), "1", "0");
    }

    /**
     * Makes the guest's cgroup {@code dir} anew (an empty leftover is removed first, so it carries
     * exactly one device program: this build's) and attaches the device policy before any process
     * can join. Shared with the v1 manager's unified directory.
     */
    static void freshWithDevicePolicy(CgroupDirs dirs, Timeouts timeouts, DevicePolicy devices, Path dir) throws IOException {
        CgroupTree.remove(dirs, dir, timeouts.busy());
        CgroupTree.mkdir(dirs, dir);
        devices.attach(dir);
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
    public List<Path> delegationFiles(String guest) { return delegation(dir(guest)); }

    /** A cgroup2 directory and the files its delegatee writes. */
    static List<Path> delegation(Path d) {
        return List.of(d, d.resolve("cgroup.procs"), d.resolve("cgroup.threads"), d.resolve("cgroup.subtree_control"));
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

    private Path existing(String guest) throws IOException {
        Path d = dir(guest);
        if (!Files.isDirectory(d))
            throw new IOException("stat(`" + d + "`) failed: No such file or directory: the guest's cgroup does not exist"
                    + " (is the guest running?)");
        return d;
    }

    /** Order: cpu, cpuset, memory, pids, io, then the freezer, so a guest is frozen with its new limits in place. */
    @Override
    public List<String> apply(String guest, CgroupLimits limits) throws IOException {
        Path d = existing(guest);
        var notes = new ArrayList<String>();
        CpuController2.apply(writer, d, limits.cpu(), limits.cpuWeight());
        notes.addAll(CpusetController.apply2(writer, d, limits));
        MemoryController.apply2(writer, d, limits.memory());
        PidsController.apply(writer, d, limits.pidsMax());
        notes.addAll(IoWeight2.apply(writer, d, limits.ioWeight()));
        if (Freezer2.available(d)) new Freezer2(timeouts.freeze()).freeze(d, limits.frozen());
        else if (limits.frozen()) throw ControlFile.missing(d, "cgroup.freeze", "freezer", "a frozen state (Linux 5.2+)");
        return List.copyOf(notes);
    }

    @Override
    public Counters counters(String guest) throws IOException {
        Path d = existing(guest);
        Throttling cpu = CpuController2.stat(d);
        Path pids = d.resolve("pids.current");
        long tasks = Files.exists(pids) ? CgroupFiles.number(pids) : CgroupTree.countLines(d, "cgroup.threads");
        boolean frozen = Files.exists(d.resolve("cgroup.events"))
                && CgroupFiles.lines(d.resolve("cgroup.events")).contains("frozen 1");
        return new Counters(cpu.periods(), cpu.throttled(), cpu.throttledUsec(), cpu.bursts(), cpu.burstUsec(),
                MemoryController.oomKills2(d), MemoryController.failures2(d), PidsController.forkRefusals(d),
                MemoryController.usage2(d), MemoryController.peak2(d), tasks, frozen);
    }

    @Override
    public SequencedMap<String, String> settings(String guest) throws IOException {
        Path d = existing(guest);
        var out = new LinkedHashMap<String, String>();
        for (List<String> files : List.of(CpuController2.FILES, CpusetController.FILES2, MemoryController.FILES2,
                PidsController.FILES, IoWeight2.FILES, List.of("cgroup.freeze")))
            out.putAll(ControlFile.existing(d, files));
        return out;
    }

    /** The parent's cpuset.cpus.effective, else the root's, else the host's online CPUs. */
    @Override
    public CpuList cpus() throws IOException {
        Path f = ControlFile.first(parentDir(), "cpuset.cpus.effective")
                .or(() -> ControlFile.first(root, "cpuset.cpus.effective")).orElse(online);
        return CpuList.parse(CgroupFiles.read(f));
    }

    @Override
    public String version() {
        return "cgroup v2";
    }
}
