package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * cgroup v2 freezer (Linux 5.2+): write 1 or 0 to {@code cgroup.freeze}, then poll
 * {@code cgroup.events} until it says {@code frozen 1} or {@code frozen 0}.
 */
final class Freezer2 {
    private final Duration timeout;

    Freezer2(Duration timeout) {
        this.timeout = timeout;
    }

    /** True if the cgroup can be frozen (the root cgroup and kernels before 5.2 cannot). */
    static boolean available(Path dir) {
        return Files.exists(dir.resolve("cgroup.freeze"));
    }

    void freeze(Path dir, boolean frozen) throws IOException {
        String want = frozen ? "frozen 1" : "frozen 0";
        CgroupFiles.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
        CgroupFiles.await(dir.resolve("cgroup.events"), events -> events.lines().map(String::strip).anyMatch(want::equals),
                want, timeout, () -> {});
    }
}
