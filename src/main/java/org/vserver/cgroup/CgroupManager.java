package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One cgroup per guest, under a parent ({@code vservers} by default, a per-run name in tests).
 * Two mechanisms behind this interface: {@link Cgroup1Manager} (one directory per mounted
 * controller hierarchy) and {@link Cgroup2Manager} (one directory in the unified hierarchy).
 * {@link #detect} picks the one the host mounts.
 */
public interface CgroupManager {

    /** Creates the guest's cgroup (parents too); an existing one is reused if empty. */
    void create(String guest) throws IOException;

    /** True if the guest's cgroup directory exists (in any hierarchy). */
    boolean exists(String guest);

    /** Moves a process (and, on v1, the whole thread group) into the guest's cgroup. */
    void addProcess(String guest, int pid) throws IOException;

    /** The files a process writes "0" into to join the guest's cgroup (the exec path's plan does that). */
    List<Path> procsFiles(String guest);

    /** Pids of every process in the guest's cgroup (including its descendants' cgroups); empty if none or absent. */
    List<Integer> processes(String guest) throws IOException;

    /** Freezes (true) or thaws (false) every task, and waits until the state is reached. No-op without a freezer. */
    void freeze(String guest, boolean frozen) throws IOException;

    /** CPU time, memory and tasks of the guest, for vserver-stat. */
    Usage usage(String guest) throws IOException;

    /** Removes the guest's (empty) cgroup directories, deepest first; absent is fine. */
    void remove(String guest) throws IOException;

    /** Removes the parent directories if they are empty (tests use a per-run parent). */
    void removeParent() throws IOException;

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
     */
    static CgroupManager detect(Path root, String parent) throws IOException {
        throw new UnsupportedOperationException("to be written");
    }
}
