package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The pids controller, the same on v1 and v2: {@code pids.max} ("max" = none), {@code pids.events}. */
final class PidsController {
    static final List<String> FILES = List.of("pids.max");

    private PidsController() {}

    static void apply(CgroupWriter w, Path dir, long max) throws IOException {
        ControlFile.write(w, dir, "pids.max", MemoryController.max2(max), max == CgroupLimits.MAX, "pids", "a task limit");
    }

    /** pids.events max: forks refused because of pids.max here or in an ancestor. */
    static long forkRefusals(Path dir) throws IOException {
        return ControlFile.keyed(dir.resolve("pids.events"), "max");
    }
}
