package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory controller: hierarchical accounting on v1, current usage on v1 and v2, and the
 * limits of {@link CgroupLimits.Memory}: {@code memory.limit_in_bytes}, {@code memory.memsw.limit_in_bytes},
 * {@code memory.soft_limit_in_bytes} (v1), {@code memory.max}, {@code memory.swap.max},
 * {@code memory.high}, {@code memory.low} (v2).
 */
final class MemoryController {
    private MemoryController() {}

    /**
     * Sets {@code memory.use_hierarchy} to 1 so the parent's limits and counters cover its guests.
     * Best effort: it only changes while the cgroup has no children (EBUSY), and kernels where
     * it is always 1 refuse writes (EINVAL); in both cases the value stays what it is.
     */
    static void useHierarchy(Path dir) {
        Path file = dir.resolve("memory.use_hierarchy");
        try {
            if (Files.exists(file) && !CgroupFiles.read(file).equals("1")) CgroupFiles.write(file, "1");
        } catch (IOException e) {
            // fixed by the kernel, or already has children: nothing to do
        }
    }

    /** v1 {@code memory.usage_in_bytes}, -1 without it. */
    static long usage1(Path dir) throws IOException {
        Path file = dir.resolve("memory.usage_in_bytes");
        return Files.exists(file) ? CgroupFiles.number(file) : -1;
    }

    /** v2 {@code memory.current}, -1 without it. */
    static long usage2(Path dir) throws IOException {
        Path file = dir.resolve("memory.current");
        return Files.exists(file) ? CgroupFiles.number(file) : -1;
    }

    static final List<String> FILES1 =
            List.of("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes");
    static final List<String> FILES2 = List.of("memory.max", "memory.swap.max", "memory.high", "memory.low");

    /** v1 reads "no limit" as the largest page-aligned value, e.g. 9223372036854771712. */
    private static final long V1_UNLIMITED_FLOOR = Long.MAX_VALUE - (1L << 20);

    /**
     * v1: the kernel keeps {@code memsw.limit >= limit} at every write (EINVAL otherwise), so a
     * raised limit goes to memsw first and a lowered one to the limit first; the current limit
     * decides which. memsw exists only with swap accounting; without it swap is not charged and
     * there is nothing to close.
     *
     * @return a note if {@code low} is asked for: v1 has no protection from reclaim
     */
    static List<String> apply1(CgroupWriter w, Path dir, CgroupLimits.Memory m) throws IOException {
        String limit = Long.toString(m.max());                                   // MAX is -1 on v1
        Path limitFile = dir.resolve("memory.limit_in_bytes");
        Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
        boolean raise = Files.exists(limitFile) && unlimited1(m.max()) > unlimited1(CgroupFiles.number(limitFile));
        if (raise && Files.exists(memsw)) w.write(memsw, limit);
        ControlFile.write(w, dir, "memory.limit_in_bytes", limit, m.max() == CgroupLimits.MAX, "memory", "a memory limit");
        if (!raise && Files.exists(memsw)) w.write(memsw, limit);
        ControlFile.write(w, dir, "memory.soft_limit_in_bytes", Long.toString(m.high()), m.high() == CgroupLimits.MAX,
                "memory", "a memory reclaim target (rss.soft)");
        return m.low() == 0 ? List.of()
                : List.of("rss.min: cgroup v1 has no memory protection (memory.low); not applied");
    }

    /** A v1 value for comparison: -1 and the kernel's "no limit" read-back are both Long.MAX_VALUE. */
    private static long unlimited1(long v) {
        return v < 0 || v >= V1_UNLIMITED_FLOOR ? Long.MAX_VALUE : v;
    }

    /** v2: no invariant between the files; swap.max 0 whenever max is set, so swap is no way around it. */
    static void apply2(CgroupWriter w, Path dir, CgroupLimits.Memory m) throws IOException {
        ControlFile.write(w, dir, "memory.max", max2(m.max()), m.max() == CgroupLimits.MAX, "memory", "a memory limit");
        if (Files.exists(dir.resolve("memory.swap.max")))                        // absent without swap accounting
            w.write(dir.resolve("memory.swap.max"), m.max() == CgroupLimits.MAX ? "max" : "0");
        ControlFile.write(w, dir, "memory.high", max2(m.high()), m.high() == CgroupLimits.MAX, "memory",
                "a memory reclaim target (rss.soft)");
        ControlFile.write(w, dir, "memory.low", Long.toString(m.low()), m.low() == 0, "memory",
                "a memory protection (rss.min)");
    }

    static String max2(long v) {
        return v == CgroupLimits.MAX ? "max" : Long.toString(v);
    }

    /** v1 memory.oom_control's oom_kill, -1 without it. */
    static long oomKills1(Path dir) throws IOException {
        return ControlFile.keyed(dir.resolve("memory.oom_control"), "oom_kill");
    }

    /** v1 memory.failcnt: allocations that hit the limit. */
    static long failures1(Path dir) throws IOException {
        return ControlFile.number(dir.resolve("memory.failcnt"));
    }

    static long peak1(Path dir) throws IOException {
        return ControlFile.number(dir.resolve("memory.max_usage_in_bytes"));
    }

    static long oomKills2(Path dir) throws IOException {
        return ControlFile.keyed(dir.resolve("memory.events"), "oom_kill");
    }

    /** v2 memory.events max: times usage was about to go over memory.max. */
    static long failures2(Path dir) throws IOException {
        return ControlFile.keyed(dir.resolve("memory.events"), "max");
    }

    static long peak2(Path dir) throws IOException {
        return ControlFile.number(dir.resolve("memory.peak"));
    }
}
