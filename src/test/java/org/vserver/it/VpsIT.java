package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * vps through bin/vps (the JVM-less path: the launcher's spectator plan, bin/vps.awk) and
 * {@code vps --json} (java): the CONTEXT of every process from its cgroup, ps run as the
 * spectator, ps's formats and exit code.
 */
@RequiresRoot("starts real guests")
class VpsIT {
    static TestHost host;
    static final List<String> GUESTS = List.of("vpsa", "vpsb", "vpsc");
    static final List<Process> background = new ArrayList<>();
    static Process hostSleep, execSleep, movedSleep;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        for (String g : GUESTS) {
            host.build(g);
            host.start(g);
        }
        host.sh("vpsa", "sleep 1001 </dev/null >/dev/null 2>&1 &");
        hostSleep = spawn("sleep", "1002");
        // a process that joined a guest after its start, through the exec fast path
        var exec = new ProcessBuilder(TestHost.BASEDIR.resolve("bin/vserver").toString(), "vpsb", "exec", "sleep", "1003");
        exec.environment().put("VSERVER_CONFDIR", host.confdir.toString());
        exec.environment().put("VSERVER_RUNDIR", host.rundir.toString());
        exec.environment().put("VSERVER_LAUNCHER", TestHost.LAUNCHER.toAbsolutePath().toString());
        execSleep = start(exec);
        // and one that joined through `vcontext --migrate` (the JVM path of joining)
        var migrate = new ProcessBuilder(TestHost.BASEDIR.resolve("bin/vcontext").toString(), "--migrate", "--xid", "vpsa",
                "--", "sleep", "1005");
        migrate.environment().putAll(exec.environment());
        migrate.environment().put("JAVA_HOME", System.getProperty("java.home"));
        start(migrate);
        // a host process moved into every cgroup of vpsc, as `vcontext --migrate` will
        movedSleep = spawn("sleep", "1004");
        for (Path procs : cgroupFiles("vpsc")) Files.writeString(procs, movedSleep.pid() + "\n");
        waitFor(() -> pidsOf("vpsb").stream().anyMatch(p -> cmdline(p).startsWith("sleep 1003")));
        waitFor(() -> pidsOf("vpsa").stream().anyMatch(p -> cmdline(p).startsWith("sleep 1005")));
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            for (Process p : background) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (host != null) host.close();
        }
    }

    private static Process spawn(String... cmd) throws Exception { return start(new ProcessBuilder(cmd)); }

    private static Process start(ProcessBuilder pb) throws Exception {
        pb.redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        background.add(p);
        return p;
    }

    private static List<Path> cgroupFiles(String guest) throws Exception {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : (Iterable<Path>) s::iterator) {
                Path f = h.resolve(host.cgroupParent).resolve(guest).resolve("cgroup.procs");
                if (Files.exists(f)) out.add(f);
            }
        }
        assertFalse(out.isEmpty(), "no cgroup of " + guest);
        return out;
    }

    private static List<Integer> pidsOf(String guest) {
        try {
            return host.vs.cgroups().processes(guest);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
        } catch (Exception gone) {
            return "";
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 100 && !c.getAsBoolean(); i++) Thread.sleep(50);
        assertTrue(c.getAsBoolean(), "timed out");
    }

    private static String tag(String guest) {
        try {
            return host.guests.running(guest).orElseThrow().xid() + " " + guest;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** pid -> CONTEXT of a vps output whose first column is PID (the CONTEXT value is one or two words). */
    private static Map<Integer, String> contexts(String out) {
        String[] lines = out.split("\n");
        int ctxAt = lines[0].indexOf("CONTEXT");
        assertTrue(lines[0].matches(" *PID CONTEXT .*"), "header: " + lines[0]);
        Map<Integer, String> m = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].strip().split(" +");
            m.put(Integer.parseInt(f[0]), lines[i].substring(ctxAt, Math.min(lines[i].length(), ctxAt + width(lines[0]))).strip());
        }
        return m;
    }

    private static int width(String header) {
        int at = header.indexOf("CONTEXT");
        int next = at + "CONTEXT".length();
        while (next < header.length() && header.charAt(next) == ' ') next++;
        return next - at - 1;
    }

    @Test
    void everyProcessHasItsContext() throws Exception {
        var r = host.cli("vps", "ax", "-o", "pid,uid,comm,args");
        assertEquals(0, r.code(), r.toString());
        Map<Integer, String> ctx = contexts(r.out());
        int seen = 0;
        for (String g : GUESTS) {
            List<Integer> pids = pidsOf(g);
            assertFalse(pids.isEmpty());
            for (int pid : pids) {
                assertEquals(tag(g), ctx.get(pid), "pid " + pid + " of " + g + "\n" + r.out());
                seen++;
            }
        }
        assertTrue(seen >= GUESTS.size() + 3, "the inits, the sleeps in vpsa, vpsb, vpsc: " + seen);
        assertEquals("0 MAIN", ctx.get((int) hostSleep.pid()), r.out());
        assertEquals("0 MAIN", ctx.get(1), "the host's init");
        assertEquals("0 MAIN", ctx.get((int) execSleep.pid()), "the host side of `vserver vpsb exec`");
        assertEquals(tag("vpsc"), ctx.get((int) movedSleep.pid()), "moved into vpsc's cgroups after its start\n" + r.out());
        assertTrue(pidsOf("vpsb").stream().anyMatch(p -> cmdline(p).startsWith("sleep 1003") && tag("vpsb").equals(ctx.get(p))),
                "the sleep started by `vserver vpsb exec`\n" + r.out());
        assertTrue(pidsOf("vpsa").stream().anyMatch(p -> cmdline(p).startsWith("sleep 1005") && tag("vpsa").equals(ctx.get(p))),
                "the sleep started by `vcontext --migrate --xid vpsa`\n" + r.out());
        // nothing claims a guest whose cgroup does not hold it
        for (var e : ctx.entrySet()) {
            for (String g : GUESTS) {
                if (e.getValue().equals(tag(g))) assertTrue(pidsOf(g).contains(e.getKey()), e + " is not in " + g);
            }
        }
    }

    @Test
    void psRunsAsTheSpectator() throws Exception {
        var r = host.cli("vps", "ax", "-o", "pid,uid,comm");
        assertEquals(0, r.code(), r.toString());
        List<String> ps = r.out().lines().filter(l -> l.endsWith(" ps")).toList();
        assertEquals(1, ps.size(), r.out());
        assertTrue(ps.getFirst().matches(" *\\d+ 1 ALL_PROC +2147483646 ps"), "ps as the spectator, uid 2147483646: " + ps);
        // ps itself can read only what every user may: not the environment of root's processes
        String pid = Long.toString(hostSleep.pid());
        var asRoot = new ProcessBuilder("ps", "e", "-p", pid, "-o", "pid,args").start();
        assertTrue(new String(asRoot.getInputStream().readAllBytes()).contains("PATH="), "root's ps shows the environment");
        asRoot.waitFor();
        var env = host.cli("vps", "e", "-p", pid, "-o", "pid,args");
        assertEquals(0, env.code(), env.toString());
        assertTrue(env.out().contains("sleep 1002"), env.toString());
        assertFalse(env.out().contains("PATH="), "the spectator reads no process's environ:\n" + env);
    }

    @Test
    void psFormats() throws Exception {
        int init = host.initPid("vpsa");
        for (List<String> args : List.of(List.of("-ef"), List.of("aux"), List.of("ax"), List.of("-e", "-o", "pid,comm"))) {
            List<String> cmd = new ArrayList<>(List.of("vps"));
            cmd.addAll(args);
            var r = host.cli(cmd.toArray(String[]::new));
            assertEquals(0, r.code(), r.toString());
            String header = r.out().lines().findFirst().orElseThrow();
            assertTrue(header.matches(".*\\bPID CONTEXT +\\S.*"), args + ": " + header);
            String line = r.out().lines().filter(l -> l.matches("(\\S+ +)? *" + init + " .*")).findFirst()   // PID first or second
                    .orElseThrow(() -> new AssertionError("init " + init + " of vpsa not in\n" + r.out()));
            assertTrue((" " + line).contains(" " + init + " " + tag("vpsa") + " "), args + ": " + line);
        }
    }

    @Test
    void psExitCodeAndErrorsPassThrough() throws Exception {
        var r = host.cli("vps", "--no-such-option");
        assertNotEquals(0, r.code());
        var plain = new ProcessBuilder("ps", "--no-such-option").redirectErrorStream(true).start();
        plain.getInputStream().readAllBytes();
        assertEquals(plain.waitFor(), r.code(), r.toString());
        assertTrue(r.err().contains("ps"), r.err());
        var none = host.cli("vps", "-p", "2147483640");
        assertEquals(1, none.code(), "ps finds no such process: 1\n" + none);
        assertEquals("  PID CONTEXT TTY          TIME CMD\n", none.out());
    }

    @Test
    void jsonHasTheColumnsAndTheContext() throws Exception {
        var r = host.cli("vps", "ax", "-o", "pid,uid,comm", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        Map<Integer, JsonNode> byPid = new HashMap<>();
        for (JsonNode n : rows) byPid.put(Integer.parseInt(n.get("PID").asText()), n);
        for (String g : GUESTS) {
            JsonNode init = byPid.get(host.initPid(g));
            assertEquals(host.guests.running(g).orElseThrow().xid(), init.get("ctx").asInt(), init.toString());
            assertEquals(g, init.get("name").asText());
        }
        assertEquals(0, byPid.get(1).get("ctx").asInt());
        assertEquals("MAIN", byPid.get(1).get("name").asText());
        JsonNode ps = rows.valueStream().filter(n -> n.get("COMMAND").asText().equals("ps")).findFirst().orElseThrow();
        assertEquals(1, ps.get("ctx").asInt(), ps.toString());
        assertEquals("2147483646", ps.get("UID").asText(), "the Java path runs ps as the spectator too");
        var help = host.cli("vps", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--json"), help.toString());
    }
}
