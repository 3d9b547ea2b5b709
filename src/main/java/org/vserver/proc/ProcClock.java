package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns start times in clock ticks after boot into wall-clock time, with the boot time from the
 * {@code btime} line of /proc/stat (whole seconds since the epoch).
 *
 * @param bootTime when the system booted
 */
public record ProcClock(Instant bootTime) {

    /** Reads {@code btime} from {@code <procRoot>/stat}. */
    public static ProcClock read(Path procRoot) throws IOException {
        Path file = procRoot.resolve("stat");
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("btime ")) return new ProcClock(Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip())));
        }
        throw new IOException("read(`" + file + "`) failed: no btime line");
    }

    /** When a process that started {@code startTicks} after boot was started. */
    public Instant started(long startTicks) {
        return bootTime.plusMillis(startTicks * 1000 / ProcStat.CLOCK_TICKS);
    }

    /** How long the process has run at {@code now}; never negative (btime is rounded to seconds). */
    public Duration uptime(long startTicks, Instant now) {
        Duration d = Duration.between(started(startTicks), now);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
