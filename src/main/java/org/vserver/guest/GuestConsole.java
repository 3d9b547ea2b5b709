package org.vserver.guest;

import java.io.IOException;
import java.io.OutputStream;
import org.vserver.context.StartPlanner;
import org.vserver.fs.GuestFiles;
import org.vserver.proc.GuestProcess;
import org.vserver.state.RunState;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * {@code vserver NAME console}: the guest's console read from the host. It is a regular file in
 * the guest's own /dev ({@link StartPlanner#CONSOLE}), so the guest owns it and every path to it;
 * it is opened through {@link GuestFiles#ofProcess}, the one resolver of guest paths: from the
 * init's root ({@code /proc/PID/root} of the init recorded at start, its start time checked), with
 * {@code openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)}, no link followed at the end, a regular
 * file only (a FIFO cannot hold the open). The cap of the guest's /dev tmpfs bounds what there is
 * to read; {@code --follow} streams what comes after, until the init exits.
 */
public final class GuestConsole {
    private static final long FOLLOW_POLL_MILLIS = 200;

    private final Guests guests;
    private final Syscalls sys;
    private final ProcFs proc;

    public GuestConsole(Guests guests) {
        this.guests = guests;
        this.sys = guests.vserver().sys();
        this.proc = guests.vserver().proc();
    }

    /**
     * Copies the console to {@code out}; with {@code follow}, keeps copying what the guest writes
     * until its init exits. A console emptied meanwhile (by {@link #clear}) is read again from the top.
     */
    public void print(String name, OutputStream out, boolean follow) throws IOException {
        try (Opened c = open(name, Syscalls.O_RDONLY)) {
            byte[] buf = new byte[64 * 1024];
            long offset = 0;
            while (true) {
                int n = sys.pread(c.fd, buf, 0, buf.length, offset);
                if (n > 0) {
                    out.write(buf, 0, n);
                    offset += n;
                    continue;
                }
                out.flush();
                if (!follow) return;
                if (sys.fstat(c.fd).size() < offset) offset = 0;                 // truncated: start over
                else if (sys.pollIn(c.pidfd, FOLLOW_POLL_MILLIS)) return;        // the init exited: no more output
            }
        }
    }

    /** Empties the console: a guest that filled it (writes fail with ENOSPC) can write again. */
    public void clear(String name) throws IOException {
        try (Opened c = open(name, Syscalls.O_WRONLY)) {
            sys.ftruncate(c.fd, 0);
        }
    }

    /** The console's fd and a pidfd of the init, which must be the one recorded at start. */
    private record Opened(Syscalls sys, int fd, int pidfd) implements AutoCloseable {
        @Override
        public void close() {
            sys.close(fd);
            sys.close(pidfd);
        }
    }

    private Opened open(String name, int access) throws IOException {
        RunState st = guests.requireRunning(name);
        int pidfd = pidfd(name, st);                                  // --follow ends when it exits
        try (GuestFiles root = GuestFiles.ofProcess(sys, proc, GuestProcess.initOf(st))) {
            return new Opened(sys, root.openRegular(StartPlanner.CONSOLE, access), pidfd);
        } catch (IOException | RuntimeException e) {
            sys.close(pidfd);
            throw e;
        }
    }

    /** A pidfd of the guest's init; GuestNotRunningException if the pid now names another process. */
    private int pidfd(String name, RunState st) throws IOException {
        return GuestProcess.initOf(st).pidfd(sys, proc.root()).orElseThrow(() -> new GuestNotRunningException(name));
    }
}
