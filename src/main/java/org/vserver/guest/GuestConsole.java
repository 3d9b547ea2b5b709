package org.vserver.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest's console from the host. While it runs, its monitor (launcher/monitor.c) holds the
 * console pty's master and serves {@code RUN/console}: {@link #attach} hands the caller's terminal
 * to the launcher's client. Everything the console said is in the monitor's log,
 * {@code LOGBASE/NAME/console.log} and the rotated {@code console.log.1}, kept after the guest
 * stopped: {@link #printLog}.
 */
public final class GuestConsole {
    private static final long FOLLOW_POLL_MILLIS = 200;

    private final Guests guests;
    private final Vserver vs;

    public GuestConsole(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    /** The monitor's socket of a running guest. */
    public Path socket(String name) { return vs.state().guestDir(name).resolve("console"); }

    /**
     * Attaches the caller's stdio to the console (the launcher's {@code --console}, as bin/vserver
     * runs it without a JVM); its exit code.
     */
    public int attach(String name) throws IOException, InterruptedException {
        guests.requireRunning(name);
        if (!Files.exists(socket(name)))
            throw new IOException("guest '" + name + "' has no console socket (" + socket(name) + "): it was started"
                    + " before consoles were served; `vserver " + name + " restart` gives it one");
        Process p = new ProcessBuilder(vs.launcher().binary().toString(), "--console", socket(name).toString(), name)
                .inheritIO().start();
        return p.waitFor();
    }

    /** The log files, oldest first: those that exist. */
    public List<Path> logFiles(String name) {
        Path log = vs.config().consoleLog(name);
        List<Path> files = new ArrayList<>();
        for (Path p : List.of(log.resolveSibling(log.getFileName() + ".1"), log))
            if (Files.isRegularFile(p)) files.add(p);
        return files;
    }

    /**
     * Copies the console log to {@code out}: all of it, or its last {@code lines} lines; with
     * {@code follow}, what the console says after that too, for as long as the guest runs.
     */
    public void printLog(String name, OutputStream out, int lines, boolean follow) throws IOException, InterruptedException {
        Path log = vs.config().consoleLog(name);
        List<Path> files = logFiles(name);
        if (files.isEmpty() && !follow)
            throw new NoSuchFileException(log.toString(), null, "no console log: guest '" + name + "' has not been started since it was built");
        byte[] all = new byte[0];
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            byte[] joined = new byte[all.length + b.length];
            System.arraycopy(all, 0, joined, 0, all.length);
            System.arraycopy(b, 0, joined, all.length, b.length);
            all = joined;
        }
        int from = lines < 0 ? 0 : tailStart(all, lines);
        out.write(all, from, all.length - from);
        out.flush();
        if (!follow) return;
        long offset = Files.exists(log) ? Files.size(log) : 0;
        byte[] buf = new byte[64 * 1024];
        while (true) {
            long size = Files.exists(log) ? Files.size(log) : 0;
            if (size < offset) offset = 0;                                      // rotated: the new file from its top
            if (size > offset) {
                try (InputStream in = Files.newInputStream(log)) {
                    in.skipNBytes(offset);
                    for (int n; (n = in.read(buf)) > 0; offset += n) out.write(buf, 0, n);
                }
                out.flush();
                continue;
            }
            if (guests.running(name).isEmpty()) return;
            Thread.sleep(FOLLOW_POLL_MILLIS);
        }
    }

    /** Where the last {@code lines} lines of {@code b} start (a final line without its newline counts). */
    static int tailStart(byte[] b, int lines) {
        int end = b.length;
        if (end > 0 && b[end - 1] == '\n') end--;
        int seen = 0;
        for (int i = end - 1; i >= 0; i--)
            if (b[i] == '\n' && ++seen == lines) return i + 1;
        return lines == 0 ? b.length : 0;
    }
}
