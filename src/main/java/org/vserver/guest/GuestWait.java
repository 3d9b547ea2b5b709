package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.ProcStat;
import org.vserver.state.RunState;
import org.vserver.sys.Syscalls;

/**
 * vwait's wait: until the guest's init exits (its pid namespace, and with it the guest, ends
 * then). The init is not our child, so waitpid cannot see it; a pidfd can: it becomes readable
 * when the process exits, reaped or not, and since Linux 6.15 it also yields the exit status.
 */
public final class GuestWait {
    /** VServer's vwait results, with its exit codes. */
    public enum Outcome {
        FINISHED(0), KILLED(1), TIMEOUT(2), ERROR(127);

        public final int exitCode;

        Outcome(int exitCode) { this.exitCode = exitCode; }
    }

    private final Syscalls sys;
    private final Path procRoot;

    public GuestWait(Syscalls sys, Path procRoot) {
        this.sys = sys;
        this.procRoot = procRoot;
    }

    /**
     * Waits for the init of {@code st}; {@code timeout} empty waits forever. Never ERROR: a guest
     * that is gone by the time its init is opened has FINISHED (its status is lost with it).
     */
    public Outcome await(RunState st, Optional<Duration> timeout) throws IOException {
        var init = GuestProcess.initOf(st);
        // Gone, or its pid reused: the guest is gone.
        OptionalInt pidfd = init.pidfd(sys, procRoot);
        if (pidfd.isEmpty()) return Outcome.FINISHED;
        int fd = pidfd.getAsInt();
        try {
            if (!sys.pollIn(fd, timeout.map(Duration::toMillis).orElse(-1L))) return Outcome.TIMEOUT;
            return classify(exitStatus(fd, init));
        } finally {
            sys.close(fd);
        }
    }

    /**
     * The exit status from the pidfd (kept once the init is reaped), else from /proc while it is
     * a zombie (the host's reaper may be slow to collect a process that is not its child).
     */
    private OptionalInt exitStatus(int fd, GuestProcess init) throws IOException {
        OptionalInt s = sys.pidfdExitStatus(fd);
        if (s.isPresent()) return s;
        OptionalInt z = ProcStat.zombieExitStatus(procRoot, init);
        return z.isPresent() ? z : sys.pidfdExitStatus(fd);   // reaped between the two reads: the pidfd has it now
    }

    /** Killed by a signal: KILLED; exited (any code), or no status to tell: FINISHED. */
    static Outcome classify(OptionalInt waitStatus) {
        return waitStatus.isPresent() && (waitStatus.getAsInt() & 0x7f) != 0 ? Outcome.KILLED : Outcome.FINISHED;
    }
}
