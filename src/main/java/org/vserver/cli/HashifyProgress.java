package org.vserver.cli;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.vserver.unify.Hashify;
import org.vserver.unify.Hashify.Outcome;

/**
 * What vhashify shows while it runs. On a terminal: a bar over the candidate files, with bytes
 * and bytes saved as its extra message. Not on a terminal: nothing until one summary line (a log
 * wants no carriage returns). {@code -n -v}: one line per file on {@code out} instead, as
 * util-vserver prints them. Close it when the run is over: it prints the summary.
 */
public final class HashifyProgress implements Hashify.Listener, AutoCloseable {
    private static final double MIB = 1024.0 * 1024.0;

    private final PrintStream err;
    private final PrintStream out;
    private final boolean perFileLines;
    private final boolean terminal;
    private final boolean dryRun;
    private ProgressBar bar;
    private long files, bytes, saved, linked, masters;

    /**
     * @param err where the bar and the summary go (stderr)
     * @param out where {@code would link PATH} lines go (stdout)
     * @param terminal {@code err} is a terminal (isatty(2)): draw a bar
     */
    public HashifyProgress(PrintStream err, PrintStream out, boolean terminal, boolean verbose, boolean dryRun) {
        this.err = err;
        this.out = out;
        this.terminal = terminal;
        this.dryRun = dryRun;
        this.perFileLines = verbose && dryRun;
    }

    @Override
    public void planned(long candidates, long candidateBytes) {
        if (perFileLines || !terminal) return;
        bar = new ProgressBarBuilder()
                .setTaskName("hashify")
                .setInitialMax(candidates)
                .setUnit(" files", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .build();
    }

    @Override
    public void file(String path, long size, long savedBytes, Outcome o) {
        files++;
        bytes += size;
        saved += savedBytes;
        switch (o) {
            case LINKED, WOULD_LINK -> linked++;
            case MASTER, WOULD_BECOME_MASTER -> masters++;
            default -> {}
        }
        if (perFileLines) {
            switch (o) {
                case WOULD_LINK -> out.println("would link " + path);
                case WOULD_BECOME_MASTER -> out.println("would store " + path);
                default -> {}
            }
        }
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(extra());
        }
    }

    private String extra() {
        return String.format(Locale.ROOT, "%.1f MiB, %.1f MiB saved", bytes / MIB, saved / MIB);
    }

    /** One line: what was (or, dry, would be) done. */
    String summary() {
        return String.format(Locale.ROOT, "hashify: %d files (%.1f MiB) examined, %d %s, %.1f MiB %s, %d %s the store",
                files, bytes / MIB, linked, dryRun ? "to link" : "linked", saved / MIB, dryRun ? "to save" : "saved",
                masters, dryRun ? "to add to" : "added to");
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.setExtraMessage(extra());
            bar.close();
            bar = null;
        }
        err.println(summary());
        err.flush();
    }
}
