package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.vserver.proc.GuestProcess;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * Signals a chosen process so that a recycled pid is never hit: {@code pidfd_open} pins whatever
 * process holds the pid now; only if that one is still the chosen process (same start time in
 * /proc/PID/stat, read after the open, and {@code stillChosen}, e.g. still in the guest's cgroup)
 * does {@code pidfd_send_signal} go to the pidfd. A pid reused between the choice and the open is
 * refused by the start time; one reused after the open cannot be, since the pidfd holds the process.
 */
public final class PidfdSignal {
    /** SENT, or GONE: the chosen process exited, or its pid now names another process or another guest's. */
    public enum Result { SENT, GONE }

    /** A check of the pinned pid, made while the pidfd is open. */
    @FunctionalInterface
    public interface Check {
        boolean test(int pid) throws IOException;
    }

    private final Syscalls sys;
    private final Path procRoot;

    /** @param procRoot /proc on a real host, a fixture directory in tests */
    public PidfdSignal(Syscalls sys, Path procRoot) {
        this.sys = sys;
        this.procRoot = procRoot;
    }

    public Result send(GuestProcess chosen, Check stillChosen, int signal) throws IOException {
        OptionalInt pidfd = chosen.pidfd(sys, procRoot);
        if (pidfd.isEmpty()) return Result.GONE;
        int fd = pidfd.getAsInt();
        try {
            if (!stillChosen.test(chosen.pid())) return Result.GONE;
            sys.pidfdSendSignal(fd, signal);
            return Result.SENT;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) return Result.GONE;    // exited between the check and the signal
            throw e;
        } finally {
            sys.close(fd);
        }
    }
}
