package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.vserver.state.RunState;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * A process identity that survives pid reuse: the pid plus the start time the kernel gave it
 * (crun's {@code pid} + {@code process_start_time}). A recycled pid has a different start time.
 * This is the one "is this still the process we recorded" check: of a guest's init (is the guest
 * running), of a process chosen to be signalled, of the init a pidfd is opened for.
 *
 * @param pid        the pid as the host sees it
 * @param startTicks field 22 of /proc/&lt;pid&gt;/stat when the process was recorded
 */
public record GuestProcess(int pid, long startTicks) {

    public static GuestProcess of(ProcStat stat) {
        return new GuestProcess(stat.pid(), stat.startTicks());
    }

    /** The guest's init as its run state recorded it at start. */
    public static GuestProcess initOf(RunState st) {
        return new GuestProcess(st.initPid(), st.initStartTicks());
    }

    /** True if {@code now} is the same process (same pid, same start time), not a successor on the same pid. */
    public boolean isStill(ProcStat now) {
        return now.pid() == pid && now.startTicks() == startTicks;
    }

    /** True if this very process still exists under {@code procRoot}, a zombie included. */
    public boolean exists(Path procRoot) throws IOException {
        return ProcStat.read(procRoot, pid).map(this::isStill).orElse(false);
    }

    /**
     * True if this very process still runs: it exists and is not a zombie. For a guest's init this
     * is "the guest runs": a zombie init has taken its pid namespace with it, only the host's
     * reaper has not collected it yet.
     */
    public boolean isAlive(Path procRoot) throws IOException {
        return ProcStat.read(procRoot, pid).map(p -> isStill(p) && p.state() != 'Z' && p.state() != 'X').orElse(false);
    }

    /**
     * A pidfd of this very process; empty if it is gone or its pid now names another process.
     * {@code pidfd_open} pins whatever holds the pid now, so the start time is checked after the
     * open: a pid reused before the open is refused by it, one reused after cannot happen while
     * the pidfd is held. A zombie counts (its exit status is still to be read through the pidfd).
     */
    public OptionalInt pidfd(Syscalls sys, Path procRoot) throws IOException {
        int fd;
        try {
            fd = sys.pidfdOpen(pid);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ESRCH) return OptionalInt.empty();
            throw e;
        }
        boolean same = false;
        try {
            same = exists(procRoot);
        } finally {
            if (!same) sys.close(fd);
        }
        return same ? OptionalInt.of(fd) : OptionalInt.empty();
    }
}
