package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a process does with a signal, from {@code /proc/PID/status}: whether it catches it
 * ({@code SigCgt}) or blocks it ({@code SigBlk}: a signalfd reader, as systemd reads its
 * SIGRTMIN+3, takes it that way; the kernel queues a blocked signal even for a namespace's init),
 * ignores it ({@code SigIgn}), and whether it is the init of a pid namespace below ours
 * ({@code NSpid} ends in 1).
 *
 * <p>Why: a pid namespace's init gets from an ancestor namespace only the signals it has a handler
 * for (and SIGKILL, SIGSTOP); the kernel drops the rest. A stop that sends SIGTERM to a guest whose
 * init has no SIGTERM handler and then waits for it to exit waits for nothing (issue 15 measured
 * 5.3 s of it); knowing that, the kill sequence moves on at once.
 */
/** @param caught the signals it catches or blocks (it takes them, by handler or signalfd) */
public record SignalDisposition(long caught, long ignored, boolean namespaceInit) {
    /** Signals whose default action neither ends nor stops a process: SIGCHLD, SIGCONT, SIGURG, SIGWINCH. */
    private static final List<Integer> DEFAULT_IGNORE = List.of(17, 18, 23, 28);
    /** Signals whose default action stops a process: SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU. */
    private static final List<Integer> DEFAULT_STOP = List.of(19, 20, 21, 22);
    private static final int SIGKILL = 9;

    /** Reads a process's status; {@link java.nio.file.NoSuchFileException} (an IOException) if it is gone. */
    public static SignalDisposition read(Path process) throws IOException {
        return parse(Files.readAllLines(process.resolve("status")));
    }

    static SignalDisposition parse(List<String> status) {
        long caught = 0, ignored = 0;
        boolean init = false;
        for (String l : status) {
            if (l.startsWith("SigCgt:") || l.startsWith("SigBlk:")) caught |= Long.parseUnsignedLong(l.substring(7).strip(), 16);
            else if (l.startsWith("SigIgn:")) ignored = Long.parseUnsignedLong(l.substring(7).strip(), 16);
            else if (l.startsWith("NSpid:")) {
                String[] ids = l.substring(6).strip().split("\\s+");
                init = ids.length > 1 && ids[ids.length - 1].equals("1");
            }
        }
        return new SignalDisposition(caught, ignored, init);
    }

    /**
     * Whether {@code signal}, sent from the host, can still end this process: SIGKILL always; a
     * handler may exit; otherwise its default action must terminate, it must not be ignored, and
     * the process must not be a namespace's init (which the kernel spares from default actions).
     */
    public boolean mayEndOn(int signal) {
        if (signal == SIGKILL) return true;
        long bit = 1L << (signal - 1);
        if ((caught & bit) != 0) return true;
        if (namespaceInit || (ignored & bit) != 0) return false;
        return !DEFAULT_IGNORE.contains(signal) && !DEFAULT_STOP.contains(signal);
    }
}
