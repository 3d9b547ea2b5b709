package org.vserver.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a guest must never change on the host, read before and after the escape suite: mounts,
 * global sysctls and kernel helpers, release agents, the clock, the /dev nodes, and the test
 * JVM's own open files.
 *
 * @param mounts   mount point and type of every host mount, other test runs' (paths with "vserver") left out
 * @param knobs    file → content of the global knobs an escape would rewrite
 * @param devNodes /dev/NAME → type, rdev, mode, owner of every device node directly in /dev
 * @param clockOffsetMs wall clock minus the monotonic clock: a stepped clock moves it
 * @param fdTargets where the JVM's fds point
 */
record HostSnapshot(Set<String> mounts, Map<String, String> knobs, Map<String, String> devNodes, long clockOffsetMs,
        Set<String> fdTargets) {

    static final List<String> KNOBS = List.of("/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname",
            "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/sys/kernel/uevent_helper",
            "/proc/sys/kernel/ctrl-alt-del", "/proc/sys/kernel/sysrq", "/proc/sys/fs/binfmt_misc/status");

    static HostSnapshot take() throws IOException {
        Set<String> mounts = new TreeSet<>();
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            var m = HostProbe.Mount.parse(l);
            if (!m.point().contains("vserver")) mounts.add(m.point() + " " + m.fsType());
        }
        Map<String, String> knobs = new TreeMap<>();
        for (String k : KNOBS) if (Files.exists(Path.of(k))) knobs.put(k, Files.readString(Path.of(k)));
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {       // v1 release agents (CVE-2022-0492)
            for (Path h : (Iterable<Path>) s::iterator) {
                Path ra = h.resolve("release_agent");
                if (Files.isReadable(ra)) knobs.put(ra.toString(), Files.readString(ra));
            }
        }
        Path binfmt = Path.of("/proc/sys/fs/binfmt_misc");
        if (Files.isDirectory(binfmt)) {
            try (var s = Files.list(binfmt)) {
                knobs.put("binfmt_misc entries", s.map(p -> p.getFileName().toString()).sorted().toList().toString());
            }
        }
        Map<String, String> dev = new TreeMap<>();
        try (var s = Files.list(Path.of("/dev"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isSymbolicLink(p)) continue;
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                int type = mode & 0170000;
                if (type != 0020000 && type != 0060000) continue;             // char and block devices only
                dev.put(p.toString(), Integer.toOctalString(mode) + " " + a.get("rdev") + " " + a.get("uid") + ":" + a.get("gid"));
            }
        }
        long offset = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        Set<String> fds = new TreeSet<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    fds.add(Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // the directory stream's own fd, closed by now
                }
            }
        }
        return new HostSnapshot(mounts, knobs, dev, offset, fds);
    }

    /** What changed since {@code before}, as readable lines; fds are judged against the test run's root. */
    List<String> changesSince(HostSnapshot before, Path runRoot) {
        List<String> c = new ArrayList<>();
        for (String m : mounts) if (!before.mounts.contains(m)) c.add("new host mount: " + m);
        for (String m : before.mounts) if (!mounts.contains(m)) c.add("host mount gone: " + m);
        before.knobs.forEach((k, v) -> { if (!v.equals(knobs.get(k))) c.add(k + " changed: " + v.strip() + " -> " + knobs.get(k)); });
        before.devNodes.forEach((k, v) -> { if (!v.equals(devNodes.get(k))) c.add(k + " changed: " + v + " -> " + devNodes.get(k)); });
        for (String d : devNodes.keySet()) if (d.startsWith("/dev/escape")) c.add("probe node on the host: " + d);
        if (Math.abs(clockOffsetMs - before.clockOffsetMs) > 2000)
            c.add("the host clock was stepped by " + (clockOffsetMs - before.clockOffsetMs) + " ms");
        for (String f : fdTargets)
            if (!before.fdTargets.contains(f) && (f.startsWith(runRoot.toString()) || f.startsWith("/proc/") || f.startsWith("/sys/fs/cgroup")))
                c.add("an fd of the test JVM left open: " + f);
        return c;
    }
}
