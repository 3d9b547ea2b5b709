package org.vserver.cgroup;

import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.kernel.CpuList;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * One cgroup per guest, under a parent ({@code vservers} by default, a per-run name in tests).
 * Two mechanisms behind this interface: {@link Cgroup1Manager} (one directory per mounted
 * controller hierarchy) and {@link Cgroup2Manager} (one directory in the unified hierarchy).
 * {@link #detect} picks the one the host mounts.
 */
public interface CgroupManager {

    /**
     * Creates the guest's cgroup (parents too); an existing one is reused if empty, one that still
     * has processes is an error. v1 also prepares each controller: cpuset values copied down,
     * memory.use_hierarchy on the parent, the device allow list ({@link DeviceRules}). The guest's
     * cgroup v2 directory (v2, or a hybrid v1 host's unified one) is made fresh and gets the device
     * program ({@link DevicePolicy}) before any process joins.
     */
    void create(String guest) throws IOException;

    /**
     * What {@link #create}, {@link #apply} and {@link #addProcess} of the launcher's own pid do, as
     * plan steps the launcher runs at start (doc/plan-cache.md): the parents ({@code MKDIR_HOST}),
     * the guest's directories ({@code CGROUP_MKDIR}, which must not exist yet), the cpuset and
     * device setup, the limits' writes in {@link #apply}'s order, and the launcher joining them.
     * The writes are what {@link #apply} writes into a fresh cgroup; they are found by applying
     * {@code limits} to a fresh probe cgroup through a recording writer (made and removed here),
     * except for {@link CgroupLimits#DEFAULT}, which a fresh cgroup already has.
     *
     * @param limits without the frozen state: a guest starts thawed, then is frozen if asked
     * @return the steps, and the notes {@link #apply} gives for settings this host lacks
     */
    StartSteps startSteps(String guest, CgroupLimits limits) throws IOException;

    /** {@link #startSteps}' answer. */
    record StartSteps(List<Step> steps, List<String> notes) {
        public StartSteps {
            steps = List.copyOf(steps);
            notes = List.copyOf(notes);
        }
    }

    /**
     * The guest's freezer as the launcher's stop writes it: the control file, then what freezes and
     * what thaws ({@code freezer.state FROZEN THAWED}, {@code cgroup.freeze 1 0}); empty without one.
     */
    List<String> freezeControl(String guest);

    /**
     * The CPU, Memory and Tasks lines of {@code status} (as the CLI words {@link #counters}) as
     * templates the launcher fills in from the guest's files (launcher/status.c): {@code @FS:args@},
     * F the format (d number, c count or "?", m MiB or "?", n nanoseconds as seconds, u
     * microseconds as seconds, z and U: the same of max(0, n)), S the source (K keyed line of a file,
     * N a number file, L lines of a file, P a number file else lines of another), and {@code @F1:path@}
     * / {@code @F2:path@} the v1 / v2 frozen note.
     */
    List<String> statusTemplate(String guest);

    /** True if the guest's cgroup directory exists (in any hierarchy). */
    boolean exists(String guest);

    /** Moves a process (and, on v1, the whole thread group) into the guest's cgroup. */
    void addProcess(String guest, int pid) throws IOException;

    /** The files a process writes "0" into to join the guest's cgroup (the exec path's plan does that). */
    List<Path> procsFiles(String guest);

    /**
     * What a guest's root must own for its cgroups to be delegated to it (cgroup-v2.rst,
     * "Delegation Containment"): each directory of the guest, its {@code cgroup.procs}, and
     * {@code tasks} (v1) or {@code cgroup.threads} and {@code cgroup.subtree_control} (v2).
     */
    List<Path> delegationFiles(String guest);

    /** Pids of every process in the guest's cgroup (including its descendants' cgroups); empty if none or absent. */
    List<Integer> processes(String guest) throws IOException;

    /**
     * Freezes (true) or thaws (false) every task, and waits until the state is reached (5 s, then an
     * IOException naming the state file). No-op without a freezer.
     */
    void freeze(String guest, boolean frozen) throws IOException;

    /**
     * Writes every setting of {@code limits} into the guest's cgroup (which must exist), in an order
     * the kernel accepts from any previous state (e.g. a burst is lowered before the quota). Applying
     * the same record twice changes nothing; {@link CgroupLimits#DEFAULT} undoes every limit.
     *
     * @return notes for best-effort settings this host's controllers lack (rss.min on v1, an I/O
     *         weight without bfq, ...), each naming the missing file; empty if all applied
     * @throws IOException naming the file if a setting the guest depends on cannot be written: a CPU
     *         limit, weight or cpuset, a memory or task limit, the freezer
     */
    List<String> apply(String guest, CgroupLimits limits) throws IOException;

    /** How often each limit was hit, and current use; the cgroup must exist. */
    Counters counters(String guest) throws IOException;

    /**
     * The resource control files of the guest's cgroup that {@link #apply} writes and that exist,
     * with the kernel's current value (e.g. {@code cpu.cfs_quota_us=25000}), in a stable order.
     */
    java.util.SequencedMap<String, String> settings(String guest) throws IOException;

    /** The CPUs a guest may be given: the parent's effective cpuset, else the host's online CPUs. */
    CpuList cpus() throws IOException;

    /** CPU time, memory and tasks of the guest and its descendants, for vserver-stat; the cgroup must exist. */
    Usage usage(String guest) throws IOException;

    /**
     * Removes the guest's (empty) cgroup directories, deepest first; absent is fine. EBUSY from a
     * task that is still exiting is retried for about 2 s.
     */
    void remove(String guest) throws IOException;

    /** Removes the parent directories if they are empty (tests use a per-run parent). */
    void removeParent() throws IOException;

    /**
     * The guest's cgroup v2 directory, where cgroup-bpf programs attach and apply to every process
     * of the guest: the v2 directory itself, or a hybrid v1 host's unified one. Empty on a v1 host
     * without a unified hierarchy. {@link #create} makes it and {@link #remove} removes it.
     */
    java.util.Optional<Path> bpfDir(String guest);

    /** The name of the mechanism for messages: "cgroup v1" or "cgroup v2". */
    String version();

    /**
     * @param userNanos   CPU time in user mode (v1 cpuacct.stat in USER_HZ ticks, converted)
     * @param systemNanos CPU time in kernel mode
     * @param memoryBytes current memory use (memory.usage_in_bytes / memory.current), -1 if unknown
     * @param tasks       number of tasks (threads) in the cgroup
     */
    record Usage(long userNanos, long systemNanos, long memoryBytes, int tasks) {}

    /**
     * The manager for this host: v2 if {@code root} (normally /sys/fs/cgroup) is a cgroup2 mount
     * point, v1 otherwise (one hierarchy per controller under root, the hybrid layout included).
     *
     * @param root   the cgroup root, /sys/fs/cgroup on a real host, a @TempDir fixture in tests
     * @param parent the parent cgroup name, e.g. "vservers"
     * @param proc   this process's /proc, for its mountinfo
     * @param sys    the syscalls the device programs are loaded and attached with
     */
    static CgroupManager detect(Path root, String parent, ProcFs proc, Syscalls sys) throws IOException {
        return detect(root, parent, Mountinfo.self(proc), DevicePolicy.bpf(sys));
    }

    /**
     * {@link #detect(Path, String, ProcFs, Syscalls)} against a given mountinfo file and device
     * policy. v2 if {@code root} is a cgroup2 mount point or holds {@code cgroup.controllers} (a
     * fixture tree); otherwise v1, which needs at least one controller hierarchy under root.
     */
    static CgroupManager detect(Path root, String parent, Path mountinfo, DevicePolicy devices) throws IOException {
        if (Mountinfo.isMountPoint(mountinfo, root, "cgroup2") || Files.isRegularFile(root.resolve("cgroup.controllers")))
            return new Cgroup2Manager(root, parent, devices);
        var v1 = new Cgroup1Manager(root, parent, mountinfo, devices);
        if (v1.hierarchies().isEmpty())
            throw new IOException("detect(`" + root + "`) failed: neither a cgroup2 mount nor cgroup v1 hierarchies of "
                    + String.join(", ", Hierarchy.CONTROLLERS));
        return v1;
    }
}
