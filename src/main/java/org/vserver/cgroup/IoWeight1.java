package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v1 blkio weight: {@code blkio.bfq.weight} (a plain number, 1..1000), present in non-root
 * cgroups when bfq is built, honoured only by devices whose scheduler is bfq. The weight is a
 * preference, so a host without it gets a note, not an error.
 */
final class IoWeight1 {
    static final List<String> FILES = List.of("blkio.bfq.weight");

    private IoWeight1() {}

    static List<String> apply(CgroupWriter w, Path dir, int weight) throws IOException {
        Path f = dir.resolve("blkio.bfq.weight");
        if (Files.exists(f)) {
            w.write(f, Integer.toString(weight));
            return List.of();
        }
        return weight == 100 ? List.of() : List.of(IoWeight2.note(f, weight));
    }
}
