package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * cgroup v1 freezer: write FROZEN or THAWED to {@code freezer.state}, then poll until it reads
 * so (it passes through FREEZING while tasks are being stopped). The write is repeated between
 * polls: a task that was entering the cgroup during the first write is caught by a later one.
 */
final class Freezer1 {
    static final String STATE = "freezer.state";

    private final Duration timeout;

    Freezer1(Duration timeout) {
        this.timeout = timeout;
    }

    void freeze(Path dir, boolean frozen) throws IOException {
        Path state = dir.resolve(STATE);
        String target = frozen ? "FROZEN" : "THAWED";
        CgroupFiles.write(state, target);
        CgroupFiles.await(state, target::equals, target, timeout, () -> CgroupFiles.write(state, target));
    }
}
