package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v1 cpuset: a new cpuset starts with empty {@code cpuset.cpus} and {@code cpuset.mems}
 * (unless cgroup.clone_children is set), and a task cannot join it until both are set (ENOSPC).
 * Each level copies its parent's values; a level that already has values keeps them.
 */
final class CpusetController {
    static final List<String> FILES = List.of("cpuset.cpus", "cpuset.mems");

    private CpusetController() {}

    /** Copies cpus, then mems, from the parent of {@code dir} where {@code dir}'s are empty. */
    static void inherit(Path dir) throws IOException {
        for (String name : FILES) {
            Path mine = dir.resolve(name);
            if (Files.exists(mine) && CgroupFiles.read(mine).isEmpty())
                CgroupFiles.write(mine, CgroupFiles.read(dir.getParent().resolve(name)));
        }
    }
}
