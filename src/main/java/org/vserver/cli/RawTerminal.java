package org.vserver.cli;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vserver.sys.ProcFs;

/**
 * The controlling terminal in vtop's key-at-a-time mode, set with stty(1) on /dev/tty rather than
 * a native termios call: {@code -icanon -echo min 0 time 1} makes a read return each key at once,
 * or nothing after 0.1 s, so the key reader can notice that it should stop. ISIG stays on: Ctrl-C
 * is SIGINT, and the shutdown hook restores the terminal on it as on SIGTERM. Screen output is
 * plain ANSI (alternate screen, cursor home, erase), which ssh and tmux pass through.
 */
final class RawTerminal implements AutoCloseable {
    static final String TTY = "/dev/tty";
    /** The byte the key queue gets when /dev/tty is gone (hang-up): the loop quits. */
    static final int HANGUP = -1;

    private final String saved;
    private final PrintWriter out;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::restore, "vtop-restore-terminal");

    private RawTerminal(String saved, PrintWriter out) {
        this.saved = saved;
        this.out = out;
    }

    /** Saves the terminal's settings, switches to raw mode and the alternate screen. */
    static RawTerminal enter(PrintWriter out) throws IOException {
        String saved = stty("-g").strip();
        var t = new RawTerminal(saved, out);
        Runtime.getRuntime().addShutdownHook(t.hook);
        stty("-icanon", "-echo", "min", "0", "time", "1");
        out.print("\033[?1049h\033[?25l");
        out.flush();
        return t;
    }

    /** True if fd 1 is a terminal: vtop is interactive only then. */
    static boolean stdoutIsTerminal(ProcFs proc) {
        try {
            String target = Files.readSymbolicLink(proc.selfFd(1)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** {rows, columns} now (read again on each refresh: the window may have been resized); 24x80 if stty cannot tell. */
    int[] size() {
        try {
            String[] f = stty("size").strip().split("\\s+");
            int rows = Integer.parseInt(f[0]), cols = Integer.parseInt(f[1]);
            if (rows > 0 && cols > 0) return new int[] {rows, cols};
        } catch (IOException | RuntimeException e) {
            // a terminal that reports 0 0 (a serial line) or none at all
        }
        return new int[] {24, 80};
    }

    /** Starts reading keys from /dev/tty on a virtual thread; they arrive in the queue, {@link #HANGUP} at the end. */
    BlockingQueue<Integer> keys() {
        BlockingQueue<Integer> keys = new LinkedBlockingQueue<>();
        Thread.ofVirtual().name("vtop-keys").start(() -> {
            try (var in = new FileInputStream(TTY)) {
                while (!closed.get()) {
                    long t0 = System.nanoTime();
                    int b = in.read();
                    if (b >= 0) {
                        keys.add(b);
                    } else if (System.nanoTime() - t0 < 20_000_000L) {
                        // "time 1" makes an empty read wait 0.1 s; an instant one is a hang-up, not a timeout
                        keys.add(HANGUP);
                        return;
                    }
                }
            } catch (IOException e) {
                keys.add(HANGUP);
            }
        });
        return keys;
    }

    /**
     * Replaces the screen with {@code lines}: home, each line erased to its end, the rest erased.
     * Nothing once the terminal is restored: the main loop runs on while a signal's shutdown hook restores.
     */
    synchronized void draw(List<String> lines) {
        if (closed.get()) return;
        var b = new StringBuilder("\033[H");
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) b.append("\r\n");
            b.append(lines.get(i)).append("\033[K");
        }
        b.append("\033[J");
        out.print(b);
        out.flush();
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // we are the shutdown: the hook is running or ran
        }
    }

    /** Back to the screen and the settings vtop found; once, whichever comes first of q, an error, or a signal. */
    private synchronized void restore() {
        if (!closed.compareAndSet(false, true)) return;
        out.print("\033[?25h\033[?1049l");
        out.flush();
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("vtop: " + e.getMessage() + "; run `stty sane` to repair the terminal");
        }
    }

    /** Runs stty on /dev/tty; its output. */
    private static String stty(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(new File(TTY)).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (p.waitFor() != 0) throw new IOException("`stty " + String.join(" ", args) + " < " + TTY + "` failed: " + err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("`stty " + String.join(" ", args) + "` interrupted", e);
        }
        return text;
    }
}
