package org.vserver.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One pass over /proc for vtop: a single listing of the pid directories, then per process its
 * stat, owner, guest (its cgroup file) and command line. A process that exits half way through is
 * left out, never an error: on a busy host that happens on every refresh.
 */
public final class ProcScan {
    /**
     * @param stat    /proc/&lt;pid&gt;/stat
     * @param uid     owner of /proc/&lt;pid&gt;: the kernel gives the directory the process's effective uid
     * @param guest   the guest whose cgroup holds the process; empty for the host
     * @param command the command line with NULs as spaces, or "[comm]" when it has none (kernel threads, zombies)
     */
    public record Entry(ProcStat stat, int uid, Optional<String> guest, String command) {}

    private final Path procRoot;
    private final GuestOfPid guestOf;

    public ProcScan(Path procRoot, String cgroupParent) {
        this.procRoot = procRoot;
        this.guestOf = new GuestOfPid(procRoot, cgroupParent);
    }

    /** Every process there is now, in directory order. */
    public List<Entry> processes() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(procRoot, ProcScan::isPidDir)) {
            for (Path p : dir) read(p).ifPresent(out::add);
        } catch (IOException e) {
            throw new IOException("opendir(`" + procRoot + "`) failed: " + e.getMessage(), e);
        }
        return out;
    }

    /** Seconds since boot from {@code /proc/uptime}, in clock ticks: the clock of {@link ProcStat#startTicks}. */
    public long uptimeTicks() throws IOException {
        Path file = procRoot.resolve("uptime");
        String text = Files.readString(file).strip();
        try {
            return Math.round(Double.parseDouble(text.split("\\s+")[0]) * ProcStat.CLOCK_TICKS);
        } catch (NumberFormatException e) {
            throw new IOException("read(`" + file + "`) failed: not an uptime: " + text, e);
        }
    }

    private Optional<Entry> read(Path dir) {
        int pid = Integer.parseInt(dir.getFileName().toString());
        try {
            Optional<ProcStat> stat = ProcStat.read(procRoot, pid);
            if (stat.isEmpty()) return Optional.empty();
            int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Optional<String> guest = guestOf.guestOf(pid);
            return Optional.of(new Entry(stat.get(), uid, guest, command(dir, stat.get().comm())));
        } catch (IOException | RuntimeException gone) {
            // gone since the listing (ENOENT, ESRCH), or a half-torn-down process: skip it this round
            return Optional.empty();
        }
    }

    private static String command(Path dir, String comm) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(dir.resolve("cmdline"));
        } catch (NoSuchFileException e) {
            raw = new byte[0];
        }
        int end = raw.length;
        while (end > 0 && raw[end - 1] == 0) end--;
        if (end == 0) return "[" + comm + "]";
        for (int i = 0; i < end; i++) if (raw[i] == 0) raw[i] = ' ';
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    private static boolean isPidDir(Path p) {
        String n = p.getFileName().toString();
        if (n.isEmpty() || n.length() > 9) return false;
        for (int i = 0; i < n.length(); i++) if (n.charAt(i) < '0' || n.charAt(i) > '9') return false;
        return true;
    }
}
