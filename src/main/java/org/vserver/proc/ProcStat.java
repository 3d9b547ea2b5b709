package org.vserver.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.vserver.sys.Errno;

/**
 * The fields of {@code /proc/<pid>/stat} (proc(5)) that vps and vserver-stat use.
 *
 * @param pid        field 1
 * @param comm       field 2 without its parentheses; may itself contain spaces and parentheses
 * @param state      field 3: R, S, D, Z, T, t, X, I
 * @param ppid       field 4
 * @param utime      field 14: user time in clock ticks ({@link #CLOCK_TICKS} per second)
 * @param stime      field 15: system time in clock ticks
 * @param startTicks field 22: start time in clock ticks after boot; with pid, the process identity
 * @param vsize      field 23: virtual memory size in bytes
 * @param rss        field 24: resident set size in pages ({@link #PAGE_SIZE} bytes)
 */
public record ProcStat(int pid, String comm, char state, int ppid, long utime, long stime, long startTicks,
                       long vsize, long rss) {

    /** USER_HZ, the unit of the tick fields: 100 on every Linux ABI (sysconf(_SC_CLK_TCK)). */
    public static final int CLOCK_TICKS = 100;

    /**
     * Bytes per page for {@link #rss}. 4096 on x86-64 and the usual arm64 kernels; a 16K/64K-page
     * kernel would need sysconf(_SC_PAGESIZE) through the FFM layer, which is not worth a call here.
     */
    public static final int PAGE_SIZE = 4096;

    private static final long NANOS_PER_TICK = 1_000_000_000L / CLOCK_TICKS;

    public long utimeNanos() {
        return utime * NANOS_PER_TICK;
    }

    public long stimeNanos() {
        return stime * NANOS_PER_TICK;
    }

    public long rssBytes() {
        return rss * PAGE_SIZE;
    }

    /**
     * Reads {@code <procRoot>/<pid>/stat}; empty if the process is gone (ENOENT, or ESRCH while it exits).
     *
     * @throws IOException if the file exists but cannot be read or parsed; the message names it
     */
    public static Optional<ProcStat> read(Path procRoot, int pid) throws IOException {
        Path file = procRoot.resolve(Integer.toString(pid)).resolve("stat");
        String line;
        try {
            line = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Errno.of(e) == Errno.ESRCH) return Optional.empty();
            throw new IOException("read(`" + file + "`) failed: " + e.getMessage(), e);
        }
        try {
            return Optional.of(parse(line));
        } catch (IllegalArgumentException e) {
            throw new IOException("read(`" + file + "`) failed: " + e.getMessage(), e);
        }
    }

    /**
     * The wait status of a zombie that is still {@code process}: field 52
     * ({@code exit_code}, Linux 3.5+). A zombie keeps its pid, so the start time proves it is the
     * process meant; empty if it is running, gone (reaped) or another process.
     */
    public static java.util.OptionalInt zombieExitStatus(Path procRoot, GuestProcess process) throws IOException {
        int pid = process.pid();
        Path file = procRoot.resolve(Integer.toString(pid)).resolve("stat");
        String line;
        try {
            line = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return java.util.OptionalInt.empty();
        } catch (IOException e) {
            if (Errno.of(e) == Errno.ESRCH) return java.util.OptionalInt.empty();
            throw new IOException("read(`" + file + "`) failed: " + e.getMessage(), e);
        }
        ProcStat p;
        try {
            p = parse(line);
        } catch (IllegalArgumentException e) {
            throw new IOException("read(`" + file + "`) failed: " + e.getMessage(), e);
        }
        String[] f = line.substring(line.lastIndexOf(')') + 1).strip().split(" +");
        if (p.state() != 'Z' || !process.isStill(p) || f.length < 52 - 2) return java.util.OptionalInt.empty();
        try {
            return java.util.OptionalInt.of(Integer.parseInt(f[52 - 3]));
        } catch (NumberFormatException e) {
            throw new IOException("read(`" + file + "`) failed: bad exit_code field in " + line.strip(), e);
        }
    }

    /**
     * Parses one stat line. comm is everything between the first '(' and the LAST ')': a process can
     * name itself {@code a) b} (prctl PR_SET_NAME), so the fields after comm are counted from there.
     */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) throw new IllegalArgumentException("no (comm) in stat line: " + line.strip());
        String[] f = line.substring(close + 1).strip().split(" +");
        // f[0] is field 3 (state), so field n is f[n - 3]
        if (f.length < 22) throw new IllegalArgumentException("short stat line: " + line.strip());
        try {
            return new ProcStat(Integer.parseInt(line.substring(0, open).strip()), line.substring(open + 1, close),
                    f[0].charAt(0), Integer.parseInt(f[4 - 3]), Long.parseLong(f[14 - 3]), Long.parseLong(f[15 - 3]),
                    Long.parseLong(f[22 - 3]), Long.parseLong(f[23 - 3]), Long.parseLong(f[24 - 3]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in stat line: " + line.strip(), e);
        }
    }
}
