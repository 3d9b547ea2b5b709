package org.vserver.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A fake /proc for tests: uptime and pid directories with stat, cgroup and cmdline. */
record ProcFixture(Path root) {

    /** {@code <root>/uptime}, from clock ticks. */
    ProcFixture uptime(long ticks) throws IOException {
        Files.writeString(root.resolve("uptime"), String.format(Locale.ROOT, "%d.%02d 123.45\n", ticks / 100, ticks % 100));
        return this;
    }

    /** A process; {@code cgroup} is the v1 pids hierarchy path ("/" for the host), {@code cmdline} NUL-separated. */
    ProcFixture process(int pid, String comm, char state, long utime, long stime, long startTicks, long rssPages,
                        String cgroup, String cmdline) throws IOException {
        Path dir = Files.createDirectories(root.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("stat"), String.format(Locale.ROOT,
                "%d (%s) %c 1 1 1 0 -1 0 0 0 0 0 %d %d 0 0 20 0 1 0 %d 1000000 %d 0 0 0 0\n",
                pid, comm, state, utime, stime, startTicks, rssPages));
        Files.writeString(dir.resolve("cgroup"), "12:pids:" + cgroup + "\n11:memory:" + cgroup + "\n0::/\n");
        Files.write(dir.resolve("cmdline"), cmdline.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    void gone(int pid) throws IOException {
        try (var s = Files.walk(root.resolve(Integer.toString(pid)))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
