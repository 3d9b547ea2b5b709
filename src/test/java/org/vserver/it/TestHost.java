package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.vserver.cgroup.CgroupManager;
import org.vserver.config.ConfigRoot;
import org.vserver.config.SubidFiles;
import org.vserver.guest.GuestBuild;
import org.vserver.guest.GuestStart;
import org.vserver.guest.GuestStop;
import org.vserver.guest.Guests;
import org.vserver.guest.Vserver;
import org.vserver.launch.Launcher;
import org.vserver.state.StateDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.HostFeatures;
import org.vserver.testsupport.RequiresRoot;

/**
 * A private vserver host for one test class: its own configuration root, run directory, guest
 * roots (under /tmp/vserver-it-RANDOM) and cgroup parent (vservers-it-RANDOM), so runs never
 * meet each other or a real /etc/vservers. {@link #close} stops everything and checks that
 * nothing is left: no mount, cgroup, process or state file.
 */
final class TestHost implements AutoCloseable {
    static final Path BASEDIR = Path.of(System.getProperty("vserver.basedir", ".")).toAbsolutePath();
    static final Path LAUNCHER = Path.of(System.getProperty("vserver.launcher", "target/launcher/vserver-launcher"));

    final String id = UUID.randomUUID().toString().substring(0, 8);
    final Path root;
    final Path confdir;
    final Path rundir;
    final Path cacheDir;
    final Path logDir;
    final Path guestsDir;
    final Path lxcfsDir;
    final String cgroupParent = "vservers-it-" + id;
    final SubidFiles subids;
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    final Vserver vs;
    final Guests guests;

    /** The skip (never a pass) without root is {@link RequiresRoot}'s: a class that makes a TestHost carries it. */
    TestHost() throws Exception {
        if (!HostFeatures.isRoot())
            throw new IllegalStateException("a TestHost needs root: annotate the test class with @RequiresRoot");
        root = Files.createTempDirectory("vserver-it-" + id + "-");
        confdir = root.resolve("etc");
        rundir = root.resolve("run");
        guestsDir = root.resolve("guests");
        Files.createDirectories(confdir.resolve(".defaults/cgroup"));
        Files.createDirectories(guestsDir);
        // VServer's barrier, as vserver itself makes a vdirbase: start refuses a guest root host users can reach
        Files.setPosixFilePermissions(guestsDir, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        Files.createSymbolicLink(confdir.resolve(".defaults/vdirbase"), guestsDir);
        // the compiled start plans of this run (doc/plan-cache.md), never the host's /var/cache/vservers
        cacheDir = root.resolve("cache");
        Files.createDirectory(cacheDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(confdir.resolve(".defaults/cachebase"), cacheDir);
        // the guests' console logs of this run, never the host's /var/log/vservers
        logDir = root.resolve("log");
        Files.createSymbolicLink(confdir.resolve(".defaults/logbase"), logDir);
        Files.writeString(confdir.resolve(".defaults/cgroup/base"), cgroupParent + "\n");
        // this run's lxcfs (the guests' virt_* views), never the host's /var/lib/lxcfs: stopped by close()
        lxcfsDir = root.resolve("lxcfs");
        Files.createSymbolicLink(confdir.resolve(".defaults/lxcfs"), lxcfsDir);
        // Root's subordinate ids of this run, never the host's /etc/subuid: a range of 64 guests at a
        // random 65536-aligned place from 1M (where Incus and vserver start) below 10M, so host uids
        // have the 7 digits a real host's first guests have (ps shows 9 and more digits cut: "1060896+").
        long first = (16L + new Random().nextInt(64)) * 65536;
        subids = new SubidFiles(root.resolve("subuid"), root.resolve("subgid"));
        Files.writeString(subids.subuid(), "root:" + first + ":" + 64 * 65536 + "\n");
        Files.writeString(subids.subgid(), "root:" + first + ":" + 64 * 65536 + "\n");
        var sys = new LinuxSyscalls();
        vs = new Vserver(new ConfigRoot(confdir), new StateDir(rundir), cgroupParent,
                CgroupManager.detect(Path.of("/sys/fs/cgroup"), cgroupParent, ProcFs.host(), sys), sys, ProcFs.host(),
                new Launcher(LAUNCHER, sys), System.getenv(),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(errBytes, true), subids);
        guests = new Guests(vs);
    }

    /** A guest built with the no-download method. */
    String build(String name) throws Exception {
        new GuestBuild(guests).build(name, new GuestBuild.Options("host", OptionalInt.empty(), null, List.of(), null,
                false, List.of()), line -> {});
        return name;
    }

    void config(String guest, String file, String content) throws IOException {
        Path f = confdir.resolve(guest).resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    /** The guest's static context number, as `build` wrote it. */
    String context(String guest) throws IOException {
        return Files.readString(confdir.resolve(guest).resolve("context")).strip();
    }

    void start(String name) throws Exception { new GuestStart(guests).start(name, null); }

    void stop(String name) throws Exception { new GuestStop(guests).stop(name); }

    int initPid(String name) throws IOException { return guests.running(name).orElseThrow().initPid(); }

    /** Runs a tool of bin/ against this host (the real scripts: the exec fast path included). */
    Result cli(String... args) throws Exception { return cliWithInput(null, args); }

    /** The same with {@code stdin} piped into the tool. */
    Result cliWithInput(String stdin, String... args) throws Exception { return cliIn(null, stdin, args); }

    /** A tool of bin/ with {@code env} on top of this host's environment (another subuid file, say). */
    Result cliWithEnv(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = tool(null, args);
        pb.environment().putAll(env);
        return run(pb, null);
    }

    /**
     * A tool of bin/ run in the network namespace bound at {@code netns} (nsenter --net: only the
     * network namespace changes; `ip netns exec` would also remount /sys and hide the cgroups).
     */
    Result cliIn(Path netns, String stdin, String... args) throws Exception {
        return run(tool(netns, args), stdin);
    }

    /** Runs {@code pb} (made by {@link #tool} or {@link #environment}) with {@code stdin}, or /dev/null; its exit code and output. */
    Result run(ProcessBuilder pb, String stdin) throws Exception {
        List<String> cmd = pb.command();
        Path out = Files.createTempFile(root, "out", ".txt"), err = Files.createTempFile(root, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (stdin != null) {
            try (var w = p.getOutputStream()) {
                w.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            // The tool's children first (a build's debootstrap, cp or tar): killed with their parent
            // only, they would go on writing into this host's directories after close() removed them.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out: " + cmd);
        }
        var r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** A tool of bin/ started in the background (in {@code netns} if not null), stdout and stderr merged. */
    Process spawnIn(Path netns, String... args) throws Exception {
        return tool(netns, args).redirectErrorStream(true).start();
    }

    private ProcessBuilder tool(Path netns, String... args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) cmd.addAll(List.of("nsenter", "--net=" + netns));
        cmd.add(BASEDIR.resolve("bin").resolve(args[0]).toString());
        cmd.addAll(List.of(args).subList(1, args.length));
        return environment(new ProcessBuilder(cmd));
    }

    /**
     * The launcher itself, as bin/vserver runs it for {@code vserver NAME start|stop} (no JVM), in
     * this host's roots and, if {@code netns} is not null, in that network namespace.
     */
    Result launcher(Path netns, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (netns != null) cmd.addAll(List.of("nsenter", "--net=" + netns));
        cmd.add(LAUNCHER.toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd);
        pb.environment().put("VSERVER_RUNDIR", rundir.toString());
        pb.environment().put("VSERVER_CONFDIR", confdir.toString());
        pb.environment().putAll(env);
        return run(pb, null);
    }

    /** {@code pb} pointed at this host's confdir, rundir, launcher and JDK. */
    ProcessBuilder environment(ProcessBuilder pb) {
        Map<String, String> env = pb.environment();
        env.put("VSERVER_CONFDIR", confdir.toString());
        env.put("VSERVER_RUNDIR", rundir.toString());
        env.put(SubidFiles.SUBUID_ENV, subids.subuid().toString());
        env.put(SubidFiles.SUBGID_ENV, subids.subgid().toString());
        env.put("VSERVER_LAUNCHER", LAUNCHER.toAbsolutePath().toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    /** {@code vserver NAME exec sh -c SCRIPT}, which must succeed; its stdout. */
    String sh(String guest, String script) throws Exception {
        Result r = cli("vserver", guest, "exec", "/bin/sh", "-c", script);
        assertEquals(0, r.code(), "exec sh -c '" + script + "' failed:\n" + r);
        return r.out();
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    /** Host mounts that mention this run's directory (there must be none: guest mounts live in the guests' namespaces). */
    /** The run directory's files of the host's services (lxcfs, the steering link's id), not of a guest. */
    static final List<String> HOST_SERVICE_FILES = List.of(".lxcfs.pid", ".lxcfs.lock", ".steer", ".steer.lock");

    /** What is in the run directory but the files of the run's lxcfs (a host service, which close() stops); empty if there is none. */
    List<String> runStateLeft() throws IOException {
        if (!Files.isDirectory(rundir)) return List.of();
        try (var s = Files.list(rundir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !HOST_SERVICE_FILES.contains(n)).sorted().toList();
        }
    }

    /** {@link #hostMounts} but the run's lxcfs: the host's service, not a guest's, which outlives guests (close() stops it). */
    List<String> hostMountsOfGuests() throws IOException {
        return hostMounts().stream().filter(m -> !m.contains(" " + lxcfsDir + " ")).toList();
    }

    List<String> hostMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(root.toString())).toList();
    }

    /** cgroup directories named after this run, in any hierarchy, and the compile's probes of this JVM. */
    List<Path> cgroupDirs() throws IOException {
        List<Path> found = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : (Iterable<Path>) s::iterator) {
                try (var probes = Files.list(h)) {
                    probes.filter(p -> p.getFileName().toString().startsWith(".vserver-probe-" + ProcessHandle.current().pid() + "-"))
                            .forEach(found::add);
                } catch (IOException notADirectory) {
                    // a file at /sys/fs/cgroup
                }
                Path p = h.resolve(cgroupParent);
                if (Files.isDirectory(p)) {
                    try (var w = Files.walk(p)) {
                        w.filter(Files::isDirectory).filter(d -> !d.equals(p)).forEach(found::add);
                    }
                }
            }
        }
        return found;
    }

    /** Asserts that a stopped guest left nothing: no cgroup, no process, no run state, no host mount. */
    void assertNothingLeftOf(String guest) throws IOException {
        assertTrue(vs.cgroups().processes(guest).isEmpty(), "processes left in " + guest + "'s cgroup");
        assertTrue(!vs.cgroups().exists(guest), "cgroup of " + guest + " left: " + cgroupDirs());
        assertTrue(!Files.exists(rundir.resolve(guest)), "run state of " + guest + " left");
        assertTrue(!Files.exists(rundir.resolve(guest + ".lock")), "lock file of " + guest + " left");
        assertTrue(!Files.exists(rundir.resolve(guest + ".journal")), "undo journal of " + guest + " left");
        assertEquals(List.of(), hostMountsOfGuests(), "host mounts left");
        assertEquals(List.of(), monitorsOf(guest), "the monitor of " + guest + " left");
    }

    /** Stops a guest the class shared (if it still runs), checks it left nothing, then {@link #close}. */
    /**
     * The live guest monitors (launcher/monitor.c) of this run: processes named vserver-monitor
     * whose environment names this run's root. A stop returns once its guest's monitor has gone.
     */
    List<Integer> monitors() throws IOException {
        List<Integer> found = new java.util.ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                try {
                    if (!Files.readString(d.resolve("comm")).strip().equals("vserver-monitor")) continue;
                    String stat = Files.readString(d.resolve("stat"));
                    if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue;
                    if (new String(Files.readAllBytes(d.resolve("environ")), java.nio.charset.StandardCharsets.UTF_8).contains(root.toString()))
                        found.add(Integer.parseInt(d.getFileName().toString()));
                } catch (IOException | RuntimeException gone) {
                    // it exited meanwhile
                }
            }
        }
        return found;
    }

    /**
     * The live monitors of {@code guest}: those holding its console log open. One that has just
     * done a guest's cleanup itself (a poweroff inside) leaves right after it: given 5 s.
     */
    List<Integer> monitorsOf(String guest) throws IOException {
        Path log = logDir.resolve(guest).resolve("console.log");
        List<Integer> found = List.of();
        for (int i = 0; i < 500; i++) {
            found = new java.util.ArrayList<>();
            for (int pid : monitors()) {
                try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).equals(log)) found.add(pid);
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
            if (found.isEmpty()) return found;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return found;
    }

    void closeAfterStopping(String guest) throws Exception {
        try {
            if (guest != null && guests.running(guest).isPresent()) {
                stop(guest);
                assertNothingLeftOf(guest);
            }
        } finally {
            close();
        }
    }

    /** The pid of this run's lxcfs (the one the first start with a view started), or 0. */
    int lxcfsPid() throws IOException {
        Path pidFile = rundir.resolve(".lxcfs.pid");
        if (!Files.exists(pidFile)) return 0;
        String t = Files.readString(pidFile).strip();
        return t.isEmpty() ? 0 : Integer.parseInt(t);
    }

    /**
     * Stops this run's lxcfs, as an admin stops the host's after its last guest: SIGTERM (it
     * unmounts itself), then its mount detached if it is still there, and its files in the run
     * directory removed, with the directory if that leaves it empty.
     */
    void stopLxcfs() throws Exception {
        int pid = lxcfsPid();
        if (pid > 0 && Files.exists(Path.of("/proc/" + pid))) {
            new ProcessBuilder("kill", "-TERM", Integer.toString(pid)).start().waitFor();
            for (int i = 0; i < 250 && Files.exists(Path.of("/proc/" + pid)); i++) Thread.sleep(20);
        }
        if (hostMounts().stream().anyMatch(m -> m.contains(lxcfsDir.toString())))
            new ProcessBuilder("umount", "-l", lxcfsDir.toString()).start().waitFor();
        Files.deleteIfExists(rundir.resolve(".lxcfs.pid"));
        Files.deleteIfExists(rundir.resolve(".lxcfs.lock"));
        // the id of the run's steering link (launcher/steer.c): the link went with the last shared guest's monitor
        Files.deleteIfExists(rundir.resolve(".steer"));
        Files.deleteIfExists(rundir.resolve(".steer.lock"));
        if (Files.isDirectory(rundir)) {
            try (var s = Files.list(rundir)) {
                if (s.findAny().isEmpty()) Files.delete(rundir);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            for (String name : vs.state().names()) {
                try {
                    stop(name);
                } catch (Exception e) {
                    guests.cleanup(name);
                }
            }
            stopLxcfs();
            assertEquals(List.of(), hostMounts(), "host mounts left after the run");
            assertEquals(List.of(), cgroupDirs(), "guest cgroups left after the run");
            assertEquals(List.of(), monitors(), "guest monitors left after the run");
            assertTrue(!Files.exists(rundir), "run directory left: " + (Files.exists(rundir) ? vs.state().names() : ""));
        } finally {
            vs.cgroups().removeParent();
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).inheritIO().start().waitFor();
        }
    }
}
