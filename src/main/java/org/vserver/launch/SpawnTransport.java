package org.vserver.launch;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * posix_spawn through FFM: the channels on fds 3 and 4 and any fds as the launcher's stdio (the
 * admin's terminal for exec and enter). Linking the downcalls costs tens of milliseconds, so a
 * guest's start uses {@link PipeTransport} instead.
 */
final class SpawnTransport implements Transport {
    private final Syscalls sys;
    private final int pid;
    private final int planFd;
    private final int statusFd;

    private SpawnTransport(Syscalls sys, int pid, int planFd, int statusFd) {
        this.sys = sys;
        this.pid = pid;
        this.planFd = planFd;
        this.statusFd = statusFd;
    }

    static SpawnTransport start(Syscalls sys, String binary, Launcher.Stdio.Fds stdio) throws IOException {
        int[] planPipe = sys.pipe();
        int[] statusPipe;
        try {
            statusPipe = sys.pipe();
        } catch (ErrnoException e) {
            sys.close(planPipe[0]);
            sys.close(planPipe[1]);
            throw e;
        }
        Map<Integer, Integer> fds = new LinkedHashMap<>();
        fds.put(0, stdio.in());
        fds.put(1, stdio.out());
        fds.put(2, stdio.err());
        fds.put(3, planPipe[0]);
        fds.put(4, statusPipe[1]);
        try {
            // argv[0] without the host path: what a guest would see of the launcher in ps.
            int pid = sys.spawn(binary, List.of("vserver-init"), List.of(), fds);
            return new SpawnTransport(sys, pid, planPipe[1], statusPipe[0]);
        } catch (ErrnoException e) {
            sys.close(planPipe[1]);
            sys.close(statusPipe[0]);
            throw e;
        } finally {
            // Our copies of the launcher's ends must go, or EOF (= exec happened) never comes.
            sys.close(planPipe[0]);
            sys.close(statusPipe[1]);
        }
    }

    @Override public int pid() { return pid; }

    @Override public void write(byte[] bytes) throws IOException { sys.write(planFd, bytes); }

    @Override public int read(byte[] buf, int off, int len) throws IOException { return sys.read(statusFd, buf, off, len); }

    @Override
    public void closeChannels() {
        sys.close(planFd);
        sys.close(statusFd);
    }

    @Override
    public void kill() {
        try {
            sys.kill(pid, Syscalls.SIGKILL);
        } catch (ErrnoException gone) {
            // already exited: waitFor reaps it
        }
    }

    @Override public int waitFor() throws IOException { return Syscalls.exitCode(sys.waitpid(pid)); }
}
