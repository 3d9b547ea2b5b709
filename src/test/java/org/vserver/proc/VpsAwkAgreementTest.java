package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigRoot;
import org.vserver.state.RunState;
import org.vserver.state.StateDir;

/**
 * bin/vps.awk (vps without a JVM) and VpsColumn + ContextOfPid (vps --json and the Java path) on
 * the same ps output and the same fixture /proc, run directory and configuration: the same text,
 * byte for byte, and the exit code ps gave.
 */
class VpsAwkAgreementTest {
    static final Path AWK = Path.of(System.getProperty("vserver.basedir", ".")).resolve("bin/vps.awk");
    static final int SPECTATOR = 777;

    @TempDir Path dir;
    Path proc, run, etc;

    // /proc/PID/cgroup contents of the fixture
    static final String HOST = "12:pids:/\n11:memory:/user.slice\n1:name=systemd:/init.scope\n0::/\n";
    static final String WEB = "12:pids:/vservers/web\n11:memory:/vservers/web\n1:name=systemd:/\n0::/\n";
    static final String WEB_DEEP = "0::/vservers/web/inner/leaf\n";
    static final String DB_SOME_HIERARCHIES = "12:pids:/\n11:memory:/vservers/db\n";   // a process moved by cgroup.procs writes
    static final String STALE = "12:pids:/vservers/old\n";                 // its init is another process now
    static final String ZOMBIE = "12:pids:/vservers/zed\n";                // its init is a zombie
    static final String UNKNOWN = "12:pids:/vservers/nosuchguest\n";
    static final String PARENT_ONLY = "12:pids:/vservers\n";
    static final String OTHER_PARENT = "12:pids:/machine/vs/x\n";          // started under an earlier parent
    static final String LOOKALIKE = "12:pids:/vservers-2/web\n";

    @BeforeEach
    void fixture() throws IOException {
        proc = dir.resolve("proc");
        run = dir.resolve("run");
        etc = dir.resolve("etc");
        Files.createDirectories(etc.resolve(".defaults/cgroup"));
        Files.writeString(etc.resolve(".defaults/cgroup/base"), " /vservers/ \n");
        guest("web", 49152, 100, 5000, 'S', 5000, "vservers");
        guest("db", 49153, 200, 6000, 'S', 6000, "vservers");
        guest("old", 49154, 300, 7000, 'S', 7001, "vservers");
        guest("zed", 49155, 400, 8000, 'Z', 8000, "vservers");
        guest("x", 49156, 500, 9000, 'S', 9000, "/machine/vs");
        cgroup(1, HOST);
        cgroup(101, WEB);
        cgroup(102, WEB_DEEP);
        cgroup(201, DB_SOME_HIERARCHIES);
        cgroup(301, STALE);
        cgroup(401, ZOMBIE);
        cgroup(501, OTHER_PARENT);
        cgroup(601, UNKNOWN);
        cgroup(602, PARENT_ONLY);
        cgroup(603, LOOKALIKE);
        cgroup(SPECTATOR, HOST);
        // 999: listed by ps, gone before the lookup
    }

    private void guest(String name, int xid, int init, long start, char state, long actualStart, String parent) throws IOException {
        Files.createDirectories(run.resolve(name));
        new RunState(name, xid, init, start, 1_700_000_000_000L, parent).write(run.resolve(name).resolve("state"));
        var f = new StringBuilder(init + " (init) " + state);
        for (int n = 4; n <= 52; n++) f.append(' ').append(n == 22 ? actualStart : 0);
        Files.createDirectories(proc.resolve(Integer.toString(init)));
        Files.writeString(proc.resolve(init + "/stat"), f + "\n");
        cgroup(init, "12:pids:/" + parent.replaceAll("^/", "") + "/" + name + "\n");
    }

    private void cgroup(int pid, String content) throws IOException {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/cgroup"), content);
    }

    private String java(String ps) throws Exception {
        var ofPid = new ContextOfPid(proc, ContextOfPid.running(proc, new StateDir(run)), new ConfigRoot(etc).cgroupParent(), SPECTATOR);
        return VpsColumn.insertContextColumn(ps, pid -> ofPid.of(pid).text());
    }

    private record Awk(String out, int code) {}

    /** What bin/vserver runs: state files as the shell's glob gives them, ps's output, the trailer. */
    private Awk awk(String ps, int rc) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("awk", "-v", "proc=" + proc, "-v", "base=" + etc.resolve(".defaults/cgroup/base"),
                "-f", AWK.toString()));
        try (Stream<Path> s = Files.list(run)) {
            s.map(d -> d.resolve("state").toString()).sorted().forEach(cmd::add);
        }
        cmd.add("-");
        var pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        try (var w = p.getOutputStream()) {
            w.write((ps + "\036" + SPECTATOR + " " + rc + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Awk(out, p.exitValue());
    }

    private void assertAgree(String ps) throws Exception {
        Awk a = awk(ps, 0);
        assertEquals(java(ps), a.out(), "vps.awk and VpsColumn differ on:\n" + ps);
        assertEquals(0, a.code());
    }

    @Test void everyKindOfContextTheSameInBoth() throws Exception {
        String ps = """
                  PID TTY      STAT   TIME COMMAND
                    1 ?        Ss     0:01 /sbin/init
                  100 ?        Ss     0:00 sleep infinity
                  101 ?        S      0:00 nginx: worker
                  102 ?        S      0:00 deep
                  201 ?        S      0:00 moved
                  301 ?        S      0:00 in a stale guest's cgroup
                  401 ?        S      0:00 under a zombie init
                  501 ?        S      0:00 other parent
                  601 ?        S      0:00 unknown guest
                  602 ?        S      0:00 parent only
                  603 ?        S      0:00 look-alike parent
                  777 ?        R      0:00 ps ax
                  999 ?        S      0:00 gone
                """;
        // "? nosuchguest" is the widest value: the column takes its width (13)
        String expected = """
                  PID CONTEXT       TTY      STAT   TIME COMMAND
                    1 0 MAIN        ?        Ss     0:01 /sbin/init
                  100 49152 web     ?        Ss     0:00 sleep infinity
                  101 49152 web     ?        S      0:00 nginx: worker
                  102 49152 web     ?        S      0:00 deep
                  201 49153 db      ?        S      0:00 moved
                  301 ? old         ?        S      0:00 in a stale guest's cgroup
                  401 ? zed         ?        S      0:00 under a zombie init
                  501 49156 x       ?        S      0:00 other parent
                  601 ? nosuchguest ?        S      0:00 unknown guest
                  602 0 MAIN        ?        S      0:00 parent only
                  603 0 MAIN        ?        S      0:00 look-alike parent
                  777 1 ALL_PROC    ?        R      0:00 ps ax
                  999 0 MAIN        ?        S      0:00 gone
                """;
        assertEquals(expected, java(ps));
        Awk a = awk(ps, 0);
        assertEquals(expected, a.out());
        assertEquals(0, a.code());
    }

    @Test void psFormatsTheSameInBoth() throws Exception {
        assertAgree("""
                USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
                root         1  0.2  0.0  36444 10376 ?        S<Ll 04:26   0:01 /process_api --firecracker-init
                www-data   101  0.0  0.1  20000  4000 ?        S    04:27   0:00 nginx: worker process
                root     12345678  0.0  0.0   7060  3200 pts/0  S+   10:00   0:00 sleep 60
                """);
        assertAgree("""
                UID        PID  PPID  C STIME TTY          TIME CMD
                root         1     0  0 04:26 ?        00:00:01 /process_api
                root       201   100  0 05:01 pts/0    00:00:00 bash -l
                """);
        assertAgree("  PID\n    1\n  601\n  777\n");
        assertAgree("COMMAND           PID\nprocess_api         1\nWeb Content       601\n");
        assertAgree("warning: bad syntax, perhaps a bogus '-'?\n  PID TTY CMD\n  101 ? x\n  ? oddity\n\n  PID TTY CMD\n  201 ? y\n");
        assertAgree("  TTY TIME CMD\n  ? 00:00 x\n");                       // no PID column: unchanged
        assertAgree("  PID\tCMD\n  101\tx\n");                               // tabs separate columns too
        assertAgree("");
        assertAgree("  PID  LWP CMD\n  99999999999 1 too big for a pid\n  101 7 thread\n");
    }

    /** This host's own ps, in several formats, against a fixture where each of its pids has some context. */
    @Test void realPsOutputTheSameInBoth() throws Exception {
        List<String> kinds = List.of(HOST, WEB, WEB_DEEP, DB_SOME_HIERARCHIES, STALE, UNKNOWN, OTHER_PARENT);
        int i = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.chars().allMatch(Character::isDigit) && !Files.exists(proc.resolve(n)))
                    cgroup(Integer.parseInt(n), kinds.get(i++ % kinds.size()));
            }
        }
        for (List<String> args : List.of(List.of("ax"), List.of("aux"), List.of("-ef"), List.of("-eLf"), List.of("axjf"),
                List.of("-e", "-o", "pid,comm"), List.of("-e", "-o", "comm,pid,uid"), List.of("-e", "-o", "pid="))) {
            List<String> cmd = new ArrayList<>(List.of("ps"));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "ps " + args);
            Awk a = awk(out, 0);
            if (a.code() == 125) {
                // a user-namespace guest runs on this host: its host uids make the fast path hand
                // the listing to the Java one (tested on its own below), which names them
                assertEquals("", a.out(), "a handoff prints nothing");
                continue;
            }
            assertAgree(out);
        }
    }

    /**
     * A guest's host ids in a user or group column: vps.awk cannot read the guest's passwd safely,
     * so it prints nothing and exits 125 (bin/vserver then runs java's vps, which names them).
     * Host ids below 65536 (no guest's range starts lower), the spectator's and names keep the fast path.
     */
    @Test void aGuestsHostIdsInAUserColumnAreLeftToJava() throws Exception {
        for (String ps : List.of("USER         PID COMMAND\nroot           1 init\n1000000      101 nginx\n",
                "  PID   UID CMD\n    1     0 init\n  101 1000000 nginx\n",
                "  PID RGROUP CMD\n  101 100000 nginx\n",
                "UID          PID CMD\nroot           1 init\n1000000      101 nginx\n")) {
            Awk a = awk(ps, 0);
            assertEquals(125, a.code(), ps);
            assertEquals("", a.out(), ps);
        }
        assertAgree("USER         PID COMMAND\nroot           1 init\n65534        101 nobody\nwww-data     102 nginx 1000000\n");
        assertAgree("    PID COMMAND\n1000000 x\n");                      // a pid, not an owner
        assertAgree("UID          PID CMD\nroot           1 init\n2147483646   777 ps -ef\n");   // the spectator: not a guest's
    }

    @Test void psExitCodeIsAwksAndNoStateFileIsNeeded() throws Exception {
        Awk a = awk("error: unsupported option\n", 1);
        assertEquals(1, a.code());
        assertEquals("error: unsupported option\n", a.out());
        // no guest running: the shell passes its glob unexpanded
        var cmd = List.of("awk", "-v", "proc=" + proc, "-f", AWK.toString(), dir.resolve("empty/*/state").toString(), "-");
        Process p = new ProcessBuilder(cmd).start();
        try (var w = p.getOutputStream()) {
            w.write("  PID CMD\n  101 x\n\036777 0\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("  PID CONTEXT CMD\n  101 ? web   x\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                "no guest running, no base file: the default parent; web is not running");
        assertEquals(0, p.waitFor());
    }
}
