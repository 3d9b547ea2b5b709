package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;
import org.vserver.context.Capabilities;
import org.vserver.kernel.Capability;

/**
 * The low-level context tools through bin/: vcontext and chcontext (join, create, the spectator),
 * vnamespace, vuname and vattribute, against a real running guest.
 */
@RequiresRoot("starts real guests")
class ContextToolsIT {
    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("ctxt");
        host.config(g, "uts/nodename", "ctxt-node\n");
        Files.writeString(host.guestsDir.resolve(g).resolve("vctx-marker"), "only-in-the-guest\n");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static int xid() throws IOException { return host.guests.running(g).orElseThrow().xid(); }

    static String ns(int pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind)).toString();
    }

    @Test
    void migrateAndChcontextRunInTheGuest() throws Exception {
        String script = "hostname; cat /proc/self/cgroup; exit 5";
        for (String[] cmd : List.of(
                new String[] {"vcontext", "--migrate", "--xid", g, "--", "sh", "-c", script},
                new String[] {"chcontext", "--ctx", Integer.toString(xid()), "sh", "-c", script},
                new String[] {"chcontext", "--xid", g, "sh", "-c", script})) {
            var r = host.cli(cmd);
            assertEquals(5, r.code(), "the command's exit code: " + r);
            List<String> lines = r.out().lines().toList();
            assertEquals("ctxt-node", lines.get(0), r.toString());
            assertFalse(lines.subList(1, lines.size()).isEmpty(), r.toString());
            for (String l : lines.subList(1, lines.size())) assertTrue(l.endsWith(":/"), "the guest's cgroup namespace: " + r);
        }
        var user = host.cli("vcontext", "--migrate", "--xid", g, "--uid", "1", "--", "id", "-u");
        assertEquals("1", user.out().strip(), user.toString());

        // From the host: the process is in the guest's pid namespace and its cgroups.
        Process p = start("vcontext", "--migrate", "--xid", g, "--", "sleep", "37");
        try {
            int pid = awaitProcess(c -> c.equals(List.of("sleep", "37")));
            assertEquals(ns(host.initPid(g), "pid"), ns(pid, "pid"));
            assertTrue(host.vs.cgroups().processes(g).contains(pid), "joined the guest's cgroups");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        var none = host.cli("vcontext", "--migrate", "--xid", "no-such-guest", "--", "true");
        assertNotEquals(0, none.code(), none.toString());
        assertTrue(none.err().contains("no-such-guest"), none.toString());
    }

    @Test
    void createRunsAThrowAwayContextAndLeavesNothing() throws Exception {
        var r = host.cli("vcontext", "--create", "--", "sh", "-c",
                "echo $$; cat /proc/self/cgroup; ps ax -o pid= | wc -l; grep CapBnd /proc/self/status");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("1", lines.get(0), "pid 1 of a new pid namespace: " + r);
        assertTrue(lines.stream().filter(l -> l.matches("\\d+:.*")).allMatch(l -> l.endsWith(":/")), "its own cgroup namespace: " + r);
        assertEquals("3", lines.get(lines.size() - 2).strip(), "a fresh /proc shows sh, ps and wc only: " + r);
        assertEquals(String.format("CapBnd:\t%016x", Capability.bits(Capabilities.SECURE_DEFAULT)),
                lines.getLast(), "VServer's secure bounding set");
        assertTrue(r.err().matches("(?s)New security context is 4915\\d\n"), "the XID on stderr: " + r);

        var three = host.cli("vcontext", "--create", "--silent", "--", "sh", "-c", "exit 3");
        assertEquals(3, three.code(), three.toString());
        assertEquals("", three.err(), "--silent: " + three);
        var legacy = host.cli("chcontext", "sh", "-c", "exit 4");
        assertEquals(4, legacy.code(), legacy.toString());
        var missing = host.cli("vcontext", "--create", "--", "/no/such/command");
        assertEquals(125, missing.code(), missing.toString());
        assertTrue(missing.err().contains("cannot run /no/such/command"), missing.toString());

        var taken = host.cli("vcontext", "--create", "--xid", Integer.toString(xid()), "--", "true");
        assertEquals(254, taken.code(), "a running guest's XID: " + taken);
        assertTrue(taken.err().contains("already exists"), taken.toString());
        assertEquals(List.of(), host.cgroupDirs().stream().filter(d -> d.getFileName().toString().startsWith("ctx-")).toList());
        assertFalse(Files.exists(host.rundir.resolve("ctx-" + xid())));
    }

    @Test
    void aRunningContextIsListedAndKilledLeavesNothing() throws Exception {
        Process p = start("vcontext", "--create", "--xid", "4711", "--silent", "--", "sleep", "41");
        try {
            Path state = host.rundir.resolve("ctx-4711/state");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(state) && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(Files.exists(state), "a run-state entry ctx-4711");
            var stat = host.cli("vserver-stat");
            assertTrue(stat.out().lines().anyMatch(l -> l.matches("\\s*4711\\s.*ctx-4711\\s*")), stat.toString());
            var vps = host.cli("vps", "ax");
            assertTrue(vps.out().lines().anyMatch(l -> l.contains("4711 ctx-4711") && l.contains("sleep 41")), vps.toString());
            var again = host.cli("vcontext", "--create", "--xid", "4711", "--", "true");
            assertEquals(254, again.code(), again.toString());
            var stop = host.cli("vserver", "ctx-4711", "stop");
            assertEquals(1, stop.code(), stop.toString());
            assertTrue(stop.err().contains("throw-away context") && stop.err().contains("vkill --xid 4711"), stop.toString());
            int pid = host.guests.running("ctx-4711").orElseThrow().initPid();
            assertTrue(host.vs.cgroups().processes("ctx-4711").contains(pid), "its own cgroup");
            new ProcessBuilder("kill", "-KILL", Integer.toString(pid)).start().waitFor();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(128 + 9, p.exitValue(), "killed by SIGKILL");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        host.assertNothingLeftOf("ctx-4711");
    }

    @Test
    void theSpectatorSeesEverythingAndTouchesNothing() throws Exception {
        int init = host.initPid(g);
        String script = "id -u; ps ax -o pid= | grep -qx ' *" + init + "' && echo sees-guest;"
                + " ps ax -o pid= | grep -qx ' *1' && echo sees-host;"
                + " kill -0 " + init + " 2>&1; kill -s 0 1 2>&1; kill " + init + " 2>&1; kill -9 1 2>&1; exit 0";
        for (String[] cmd : List.of(new String[] {"vcontext", "--xid", "1", "--", "sh", "-c", script},
                new String[] {"vcontext", "--migrate", "--xid", "1", "--", "sh", "-c", script},
                new String[] {"chcontext", "--ctx", "1", "sh", "-c", script})) {
            var r = host.cli(cmd);
            assertEquals(0, r.code(), r.toString());
            List<String> lines = r.out().lines().toList();
            assertEquals("2147483646", lines.get(0), "started as root, runs as the spectator's uid: " + r);
            assertTrue(lines.contains("sees-guest") && lines.contains("sees-host"), r.toString());
            assertEquals(4, lines.stream().filter(l -> l.contains("Operation not permitted")).count(), "no signal reaches anyone: " + r);
        }
        assertTrue(host.guests.running(g).isPresent(), "the guest survived");
        var count = host.cli("vcontext", "--xid", "1", "--", "sh", "-c", "ps ax -o pid= | wc -l");
        assertTrue(Integer.parseInt(count.out().strip()) > 5, "the host's processes too: " + count);
    }

    @Test
    void vnamespaceSeesTheGuestsMountsOnly() throws Exception {
        for (String opt : List.of("--enter", "-e")) {
            var r = host.cli("vnamespace", opt, g, "--", "cat", "/vctx-marker");
            assertEquals(0, r.code(), r.toString());
            assertEquals("only-in-the-guest\n", r.out());
        }
        assertEquals(6, host.cli("vnamespace", "-e", g, "--", "sh", "-c", "exit 6").code(), "the command's exit code");
        Process p = start("vnamespace", "--enter", g, "--", "sleep", "43");
        try {
            int pid = awaitProcess(c -> c.equals(List.of("sleep", "43")));
            assertEquals(ns(host.initPid(g), "mnt"), ns(pid, "mnt"), "the guest's mount namespace");
            int self = (int) ProcessHandle.current().pid();
            assertEquals(ns(self, "pid"), ns(pid, "pid"), "the host's pid namespace");
            assertEquals(ns(self, "uts"), ns(pid, "uts"), "the host's UTS namespace");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void vunameReadsAndChangesTheNodename() throws Exception {
        var get = host.cli("vuname", "--xid", g);
        assertEquals(0, get.code(), get.toString());
        assertTrue(get.out().startsWith("nodename=ctxt-node\ndomainname="), get.toString());
        var set = host.cli("vuname", "--xid", Integer.toString(xid()), "-s", "-t", "nodename=renamed-vctx", "-t", "domainname=example.test");
        assertEquals(0, set.code(), set.toString());
        assertEquals("renamed-vctx\n", host.sh(g, "hostname"));
        assertEquals("example.test\n", host.sh(g, "cat /proc/sys/kernel/domainname"));
        var only = host.cli("vuname", "--xid", g, "-g", "-t", "nodename");
        assertEquals("nodename=renamed-vctx\n", only.out(), only.toString());
        var sysname = host.cli("vuname", "--xid", g, "-s", "-t", "sysname=Plan9");
        assertNotEquals(0, sysname.code());
        assertTrue(sysname.err().contains("mainline"), sysname.toString());
        var note = host.cli("vuname", "--xid", g, "-g", "-t", "release");
        assertTrue(note.err().contains("not virtualized"), note.toString());
        assertEquals(List.of(), Files.list(host.rundir.resolve(g)).filter(f -> f.getFileName().toString().startsWith("uts")).toList(),
                "the reader's output file is removed");
        host.cli("vuname", "--xid", g, "-s", "-t", "nodename=ctxt-node");
    }

    @Test
    void vattributeListsTheCapabilities() throws Exception {
        var r = host.cli("vattribute", "--xid", g, "--get");
        assertEquals(0, r.code(), r.toString());
        String bcaps = r.out().lines().filter(l -> l.startsWith("bcapabilities: ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        assertTrue(List.of(bcaps.split(" ")).containsAll(List.of("CHOWN", "KILL", "SETUID")), r.toString());
        assertFalse(bcaps.contains("SYS_ADMIN") || bcaps.contains("NET_ADMIN"), r.toString());
        assertTrue(r.out().contains("ccapabilities: audit_control raw_icmp set_utsname"), r.toString());
        var json = host.cli("vattribute", "--xid", g, "--get", "--json");
        assertTrue(json.out().startsWith("{\"guest\":\"" + g + "\",\"xid\":" + xid() + ",\"bcapabilities\":[\"CHOWN\""), json.toString());
        var set = host.cli("vattribute", "--xid", g, "--set", "--bcap", "SYS_ADMIN");
        assertEquals(1, set.code(), set.toString());
        assertTrue(set.err().contains("not supported") && set.err().contains("vsched"), set.toString());
    }

    /** Starts a tool of bin/ in the background, against this host. */
    static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(TestHost.BASEDIR.resolve("bin").resolve(args[0]).toString());
        cmd.addAll(List.of(args).subList(1, args.length));
        var pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("VSERVER_CONFDIR", host.confdir.toString());
        env.put("VSERVER_RUNDIR", host.rundir.toString());
        env.put("VSERVER_LAUNCHER", TestHost.LAUNCHER.toAbsolutePath().toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    /** The host pid of the one process whose command line matches; waits up to 20 s for it. */
    static int awaitProcess(Predicate<List<String>> cmdline) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Optional<Integer> found = Optional.empty();
            try (var s = Files.list(Path.of("/proc"))) {
                for (Path d : (Iterable<Path>) s::iterator) {
                    String n = d.getFileName().toString();
                    if (!n.chars().allMatch(Character::isDigit)) continue;
                    try {
                        String raw = Files.readString(d.resolve("cmdline"));
                        if (!raw.isEmpty() && cmdline.test(List.of(raw.split("\0")))) found = Optional.of(Integer.parseInt(n));
                    } catch (IOException gone) {
                        // exited meanwhile
                    }
                }
            }
            if (found.isPresent()) return found.get();
            Thread.sleep(20);
        }
        throw new AssertionError("no such process appeared");
    }
}
