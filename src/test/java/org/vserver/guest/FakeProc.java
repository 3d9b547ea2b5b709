package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A /proc fixture: /proc/PID/stat lines as the kernel writes them (fields up to exit_code, 52). */
final class FakeProc {
    private FakeProc() {}

    static void process(Path proc, int pid, char state, long startTicks, int exitCode) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        // fields 4..21, then 22 starttime, 23 vsize, 24 rss, then 25..51, then 52 exit_code
        StringBuilder line = new StringBuilder(pid + " (sleep) " + state);
        for (int f = 4; f <= 21; f++) line.append(" 0");
        line.append(' ').append(startTicks).append(" 4096 1");
        for (int f = 25; f <= 51; f++) line.append(" 0");
        line.append(' ').append(exitCode).append('\n');
        Files.writeString(dir.resolve("stat"), line);
    }
}
