package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * cgroup v2 I/O weight: {@code io.bfq.weight} (bfq) or else {@code io.weight} (the iocost
 * controller), both as "default N". A preference, so a host without either gets a note.
 */
final class IoWeight2 {
    static final List<String> FILES = List.of("io.bfq.weight", "io.weight");

    private IoWeight2() {}

    static List<String> apply(CgroupWriter w, Path dir, int weight) throws IOException {
        Optional<Path> f = ControlFile.first(dir, "io.bfq.weight", "io.weight");
        if (f.isPresent()) {
            w.write(f.get(), "default " + weight);
            return List.of();
        }
        return weight == 100 ? List.of() : List.of(note(dir.resolve("io.bfq.weight"), weight));
    }

    static String note(Path file, int weight) {
        return file.getFileName() + ": absent in " + file.getParent() + ": the host's block controller has no weight"
                + " (bfq not available); I/O weight " + weight + " not applied";
    }
}
