package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The memory controller: hierarchical accounting on v1, current usage on v1 and v2. */
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
}
