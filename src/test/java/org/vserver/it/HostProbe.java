package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The host's side of the isolation tests: what the host sees of a guest's processes, namespaces and mounts. */
final class HostProbe {
    private HostProbe() {}

    /** The controllers a guest gets a cgroup of its own in (cgroup v1; named hierarchies are not managed). */
    static final Set<String> CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    /** The namespaces a guest has of its own. */
    static final List<String> NAMESPACES = List.of("mnt", "uts", "ipc", "pid", "net", "cgroup");

    /** Runs a command on the host; its exit code and output. */
    static TestHost.Result run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try {
                out.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        });
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(cmd));
        }
        return new TestHost.Result(p.exitValue(), out.get(), err);
    }

    /** A host command that must succeed; its stdout. */
    static String ok(String... cmd) throws Exception {
        TestHost.Result r = run(cmd);
        assertEquals(0, r.code(), List.of(cmd) + " failed on the host:\n" + r);
        return r.out();
    }

    static List<String> lines(String s) {
        return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** A field of /proc/PID/status, e.g. NSpid or CapBnd. */
    static String status(Object pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            if (l.startsWith(field + ":")) return l.substring(field.length() + 1).strip();
        throw new AssertionError("no " + field + " in /proc/" + pid + "/status");
    }

    /** The pid of a host process in its innermost pid namespace (the last NSpid entry). */
    static int innerPid(int hostPid) throws IOException {
        String[] ns = status(hostPid, "NSpid").split("\\s+");
        return Integer.parseInt(ns[ns.length - 1]);
    }

    /** Field 22 of /proc/PID/stat: the start time in clock ticks (tells a pid from its reuse). */
    /**
     * The boot clock's offset of the time namespace {@code pid} is in, in clock ticks (0 in the
     * host's): what its processes' start times are shifted by in their own /proc.
     */
    static long bootOffsetTicks(int pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/timens_offsets"))) {
            String[] f = l.trim().split("\\s+");
            if (f[0].equals("boottime") || f[0].equals("7")) return Long.parseLong(f[1]) * 100 + Long.parseLong(f[2]) / 10_000_000;
        }
        return 0;
    }

    static long startTime(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[19]);
    }

    /** Whether the process that had {@code startTime} is still there (and not a zombie). */
    static boolean alive(int pid, long startTime) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return startTime(pid) == startTime && state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static String ns(Object pid, String ns) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)).toString();
    }

    /**
     * The cgroup lines of /proc/PID/cgroup for the managed controllers: controller -> path
     * (co-mounted controllers give one entry each).
     */
    static Map<String, String> cgroupsOf(Object pid) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) m.putAll(parseCgroupLine(l));
        return m;
    }

    /** The managed controllers of one /proc/PID/cgroup text (as read inside a guest). */
    static Map<String, String> parseCgroups(String procPidCgroup) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : lines(procPidCgroup)) m.putAll(parseCgroupLine(l));
        return m;
    }

    private static Map<String, String> parseCgroupLine(String l) {
        String[] f = l.split(":", 3);
        Map<String, String> m = new LinkedHashMap<>();
        for (String c : f[1].split(",")) if (CONTROLLERS.contains(c)) m.put(c, f[2]);
        return m;
    }

    /** The managed controllers mounted on this host (from the host's own /proc/self/cgroup). */
    static Set<String> hostControllers() throws IOException {
        return Set.copyOf(cgroupsOf("self").keySet());
    }

    /** One line of a mountinfo file. */
    record Mount(int id, int parent, String dev, String root, String point, String options, String fsType, String source,
                 String superOptions) {
        static Mount parse(String line) {
            String[] halves = line.split(" - ", 2);
            String[] f = halves[0].split(" ");
            String[] g = halves[1].split(" ");
            return new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]), unescape(f[4]), f[5],
                    g[0], g[1], g.length > 2 ? g[2] : "");
        }

        List<String> optionList() { return Arrays.asList(options.split(",")); }

        List<String> superOptionList() { return Arrays.asList(superOptions.split(",")); }
    }

    static List<Mount> mountinfo(String text) {
        List<Mount> out = new ArrayList<>();
        for (String l : lines(text)) out.add(Mount.parse(l));
        return out;
    }

    static String unescape(String s) {
        var b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The hex capability mask of a set, as /proc/PID/status prints it. */
    static String capHex(long bits) {
        return String.format("%016x", bits);
    }
}
