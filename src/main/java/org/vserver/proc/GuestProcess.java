package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A process identity that survives pid reuse: the pid plus the start time the kernel gave it
 * (crun's {@code pid} + {@code process_start_time}). A recycled pid has a different start time.
 *
 * @param pid        the pid as the host sees it
 * @param startTicks field 22 of /proc/&lt;pid&gt;/stat when the process was recorded
 */
public record GuestProcess(int pid, long startTicks) {

    public static GuestProcess of(ProcStat stat) {
        return new GuestProcess(stat.pid(), stat.startTicks());
    }

    /** True if {@code now} is the same process (same pid, same start time), not a successor on the same pid. */
    public boolean isStill(ProcStat now) {
        return now.pid() == pid && now.startTicks() == startTicks;
    }

    /** True if this very process still exists under {@code procRoot}. */
    public boolean isRunning(Path procRoot) throws IOException {
        return ProcStat.read(procRoot, pid).map(this::isStill).orElse(false);
    }
}
