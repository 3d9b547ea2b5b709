package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The host's signalling and query tools against real guests: vkill (guest pids, host pids, no
 * stray signal), vwait (FINISHED, KILLED, TIMEOUT, ERROR), vserver-info and vserver-stat.
 */
@RequiresRoot("starts real guests")
class HostToolsIT {
    static TestHost host;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    /** Starts {@code sleep SECONDS} in the guest, detached; its host pid. */
    private static int sleepIn(String g, int seconds) throws Exception {
        host.sh(g, "sleep " + seconds + " >/dev/null 2>&1 </dev/null &");
        return waitFor(() -> hostPidOf(g, "sleep\0" + seconds + "\0"), "sleep " + seconds + " in " + g);
    }

    private static int hostPidOf(String g, String cmdline) throws IOException {
        for (int pid : host.vs.cgroups().processes(g)) {
            try {
                if (Files.readString(Path.of("/proc/" + pid + "/cmdline")).equals(cmdline)) return pid;
            } catch (IOException gone) {
                // exited
            }
        }
        return -1;
    }

    /** The pid of a host process in its innermost pid namespace (NSpid's last field). */
    private static int guestPid(int hostPid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + hostPid + "/status")))
            if (l.startsWith("NSpid:")) {
                String[] f = l.trim().split("\\s+");
                return Integer.parseInt(f[f.length - 1]);
            }
        throw new AssertionError("no NSpid for " + hostPid);
    }

    private static boolean alive(int pid) {
        return ProcessHandle.of(pid).map(p -> p.isAlive() && !zombie(pid)).orElse(false);
    }

    private static boolean zombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return true;
        }
    }

    interface IntProbe { int get() throws Exception; }

    private static int waitFor(IntProbe probe, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int v = probe.get();
            if (v > 0) return v;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static void awaitDeath(int pid) throws Exception {
        waitFor(() -> alive(pid) ? -1 : 1, "pid " + pid + " to die");
    }

    @Test
    void vkillHitsOnlyTheChosenGuestsProcesses() throws Exception {
        String a = host.build("ht-kill-a"), b = host.build("ht-kill-b");
        host.start(a);
        host.start(b);
        Process hostSleep = new ProcessBuilder("sleep", "1003").start();
        try {
            int sa = sleepIn(a, 1001), sb = sleepIn(b, 1002);
            int initA = host.initPid(a), initB = host.initPid(b);
            int hostPid = (int) hostSleep.pid();

            // A host pid number given with --xid is a pid in the guest: the host process is not it.
            assertTrue(guestPid(sa) != hostPid, "fixture: pid spaces differ");
            var notThere = host.cli("vkill", "--xid", a, "-s", "KILL", Integer.toString(hostPid));
            assertEquals(1, notThere.code(), notThere.toString());
            assertTrue(notThere.err().contains("no process " + hostPid + " in guest " + a), notThere.err());
            // Guest pid 1 is the guest's init; signal 0 only tests, and host pid 1 is never touched.
            assertEquals(0, host.cli("vkill", "--xid", a, "-s", "0", "1").code());

            var r = host.cli("vkill", "--xid", a, "-s", "SIGKILL", Integer.toString(guestPid(sa)));
            assertEquals(0, r.code(), r.toString());
            awaitDeath(sa);
            assertTrue(alive(sb), "guest " + b + "'s sleep (guest pid " + guestPid(sb) + ") lives");
            assertTrue(alive(hostPid), "the host's sleep lives");
            assertTrue(alive(initA) && alive(initB), "both inits live");

            // By context number, no pid: every process of b, nothing of a or the host.
            int sa2 = sleepIn(a, 1004);
            var all = host.cli("vkill", "--xid", host.context(b), "-s", "KILL");
            assertEquals(0, all.code(), all.toString());
            awaitDeath(sb);
            awaitDeath(initB);
            assertTrue(alive(sa2) && alive(initA), "guest " + a + " untouched");
            assertTrue(alive(hostPid), "the host's sleep lives");

            // Host pids without --xid; host pid 1 is refused.
            var one = host.cli("vkill", "-s", "KILL", "1");
            assertEquals(1, one.code(), one.toString());
            assertTrue(one.err().contains("refusing to signal host pid 1"), one.err());
            var h = host.cli("vkill", "-s", "TERM", Integer.toString(hostPid));
            assertEquals(0, h.code(), h.toString());
            assertTrue(hostSleep.waitFor(5, TimeUnit.SECONDS), "the host's sleep got SIGTERM");
            assertEquals(128 + 15, hostSleep.exitValue());

            var unknown = host.cli("vkill", "--xid", "no-such-guest", "1");
            assertEquals(1, unknown.code(), unknown.toString());
            assertTrue(unknown.err().contains("no guest 'no-such-guest'"), unknown.err());
        } finally {
            hostSleep.destroyForcibly();
            host.stop(a);
            host.stop(b);
        }
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
    }

    /** Runs vwait in the background and returns once it holds the init's pidfd. */
    private static CompletableFuture<TestHost.Result> vwaitInBackground(String g, int init) throws Exception {
        var f = CompletableFuture.supplyAsync(() -> {
            try {
                return host.cli("vwait", g);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        waitFor(() -> vwaitHoldsAPidfd() ? 1 : (f.isDone() ? fail(f) : -1), "vwait to open the pidfd of " + init);
        return f;
    }

    private static int fail(CompletableFuture<TestHost.Result> f) {
        throw new AssertionError("vwait returned early: " + f.join());
    }

    private static boolean vwaitHoldsAPidfd() throws IOException {
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            if (p.info().arguments().map(a -> List.of(a).contains("-Dvserver.tool=vwait")).orElse(false)) {
                try (var fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().contains("pidfd")) return true;
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    }
                }
            }
        }
        return false;
    }

    @Test
    void vwaitFinishedWhenTheGuestStopsAndKilledWhenItsInitIsKilled() throws Exception {
        String g = host.build("ht-wait");
        host.start(g);
        var finished = vwaitInBackground(g, host.initPid(g));
        host.stop(g);
        var r = finished.get(60, TimeUnit.SECONDS);
        assertEquals(new TestHost.Result(0, "FINISHED\n", ""), r);
        host.assertNothingLeftOf(g);

        host.start(g);
        int init = host.initPid(g);
        var killed = vwaitInBackground(g, init);
        ProcessHandle.of(init).orElseThrow().destroyForcibly();      // SIGKILL from the host
        var k = killed.get(60, TimeUnit.SECONDS);
        assertEquals(new TestHost.Result(1, "KILLED\n", ""), k);
        host.stop(g);
        host.assertNothingLeftOf(g);

        var error = host.cli("vwait", g);
        assertEquals(127, error.code(), error.toString());
        assertEquals("ERROR\n", error.out());
        assertTrue(error.err().contains("guest '" + g + "' is not running"), error.err());
        var unknown = host.cli("vwait", "no-such-guest");
        assertEquals(127, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("no-such-guest"), unknown.err());
    }

    @Test
    void vwaitTimesOutAndTerminates() throws Exception {
        String g = host.build("ht-timeout");
        host.start(g);
        try {
            var t = host.cli("vwait", "--timeout", "1", g);
            assertEquals(new TestHost.Result(2, "TIMEOUT\n", ""), t);
            assertTrue(host.guests.running(g).isPresent(), "still running after a plain timeout");

            Path status = host.root.resolve("vwait.status");
            var fd = host.cli("/bin/sh", "-c", "exec \"$0\" --status-fd 3 --timeout 1 \"$1\" 3>\"$2\"",
                    TestHost.BASEDIR.resolve("bin/vwait").toString(), host.context(g), status.toString());
            assertEquals(new TestHost.Result(2, "", ""), fd, "the result went to fd 3, not stdout");
            assertEquals("TIMEOUT\n", Files.readString(status));
            Files.delete(status);

            var term = host.cli("vwait", "--timeout", "1", "--terminate", g);
            assertEquals(2, term.code(), term.toString());
            assertEquals("TIMEOUT\n", term.out());
            assertFalse(host.guests.running(g).isPresent(), "--terminate stopped it");
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    @Test
    void vserverInfoOnARunningAndAStoppedGuest() throws Exception {
        String g = host.build("ht-info");
        String xid = host.context(g);
        host.start(g);
        try {
            int init = host.initPid(g);
            assertEquals(xid + "\n", info(0, g, "CONTEXT"));
            assertEquals("running\n", info(0, g, "RUNNING"));
            assertEquals(new TestHost.Result(0, "", ""), host.cli("vserver-info", "-q", g, "RUNNING"));
            assertEquals(init + "\n", info(0, g, "INITPID"));
            assertEquals(xid + "\n", info(0, g, "XID"));
            assertEquals("static\n", info(0, g, "XIDTYPE"));
            assertEquals(g + "\n", info(0, xid, "CANONIFY"), "a context number names its guest");
            assertEquals(g + "\n", info(0, xid, "ID"));
            assertEquals(host.guestsDir.resolve(g) + "\n", info(0, g, "VDIR"));
            assertEquals(host.confdir.resolve(g) + "\n", info(0, g, "CFGDIR"));
            assertEquals(xid + "\n", info(0, Integer.toString(sleepIn(g, 1005)), "CONTEXT"), "a pid in the guest");
            var byNumber = host.cli("vserver", xid, "status");
            assertEquals(0, byNumber.code(), "vserver XID COMMAND, as VServer: " + byNumber);
            assertTrue(byNumber.out().contains("Vserver '" + g + "' is running"), byNumber.toString());
            assertEquals("0\n", info(0, Long.toString(ProcessHandle.current().pid()), "CONTEXT"), "a host pid");
            assertEquals("watch\n", info(0, "1", "XIDTYPE"));
            assertEquals("dynamic\n", info(0, "49152", "XIDTYPE"));
            assertEquals("mainline\n", info(0, g, "APIVER"));
            assertEquals(0, host.cli("vserver-info", g, "FEATURE", "vkill").code());
            assertEquals(1, host.cli("vserver-info", g, "FEATURE", "iattr").code());
            String features = info(0, g, "FEATURE");
            for (String f : List.of("vkill", "vwait", "pidspace", "memcg", "dynamic"))
                assertTrue(features.lines().anyMatch(l -> l.startsWith(f + "\t")), f + " in\n" + features);
            var nid = host.cli("vserver-info", g, "NID");
            assertEquals(1, nid.code(), nid.toString());
            assertTrue(nid.err().contains("NID is not supported"), nid.err());
            assertEquals(2, host.cli("vserver-info", g, "BOGUS").code());
        } finally {
            host.stop(g);
        }
        var running = host.cli("vserver-info", g, "RUNNING");
        assertEquals(new TestHost.Result(1, "stopped\n", ""), running);
        assertEquals(new TestHost.Result(1, "", ""), host.cli("vserver-info", "-q", g, "RUNNING"));
        var ctx = host.cli("vserver-info", g, "CONTEXT");
        assertEquals(1, ctx.code(), ctx.toString());
        assertTrue(ctx.err().contains("guest '" + g + "' is not running"), ctx.err());
        assertEquals(xid + "\n", info(0, g, "XID"), "a stopped guest's static context");
        assertEquals(g + "\n", info(0, xid, "ID"), "a stopped guest by its context number");
        var unknown = host.cli("vserver-info", "no-such-guest", "ID");
        assertEquals(1, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("'no-such-guest'"), unknown.err());
        // Every --xid tool: a stopped guest (by name or number) exits 3, an unknown one 1, saying which.
        for (String tool : List.of("vsched", "vlimit", "vattribute", "vuname")) {
            var stopped = host.cli(tool, "--xid", xid, "--get");
            assertEquals(3, stopped.code(), tool + ": " + stopped);
            assertTrue(stopped.err().contains("guest '" + g + "' is not running"), tool + ": " + stopped.err());
            var none = host.cli(tool, "--xid", "no-such-guest", "--get");
            assertEquals(1, none.code(), tool + ": " + none);
            assertTrue(none.err().contains("no guest 'no-such-guest'"), tool + ": " + none.err());
        }
        host.assertNothingLeftOf(g);
    }

    private static String info(int code, String target, String tag) throws Exception {
        var r = host.cli("vserver-info", target, tag);
        assertEquals(code, r.code(), target + " " + tag + ": " + r);
        return r.out();
    }

    @Test
    void vserverStatListsTheGuestsByContextNumber() throws Exception {
        // built in this order, so the later name sorts first but has the higher context number
        String z = host.build("ht-stat-z"), a = host.build("ht-stat-a");
        int xz = Integer.parseInt(host.context(z)), xa = Integer.parseInt(host.context(a));
        assertTrue(xz < xa, "fixture: " + xz + " < " + xa);
        host.start(a);
        host.start(z);
        try {
            var r = host.cli("vserver-stat");
            assertEquals(0, r.code(), r.toString());
            List<Integer> ctxs = new ArrayList<>();
            for (String l : r.out().lines().skip(1).toList()) ctxs.add(Integer.parseInt(l.split("\\s+")[0]));
            assertEquals(ctxs.stream().sorted().toList(), ctxs, "sorted by context:\n" + r.out());
            assertTrue(ctxs.indexOf(xz) >= 0 && ctxs.indexOf(xz) < ctxs.indexOf(xa), r.out());
            assertEquals(0, ctxs.get(0));

            var j = host.cli("vserver-stat", "--json");
            assertEquals(0, j.code(), j.toString());
            JsonNode rows = JSON.readTree(j.out());
            List<Integer> jctx = new ArrayList<>();
            for (JsonNode n : rows) {
                jctx.add(n.get("ctx").intValue());
                for (String k : List.of("proc", "vsz_bytes", "rss_bytes", "user_ns", "sys_ns", "uptime_ns"))
                    assertTrue(n.get(k).isIntegralNumber(), k + " in " + n);
            }
            assertEquals(ctxs, jctx, "the table's rows, in the same order");
            JsonNode rowZ = rows.get(jctx.indexOf(xz));
            assertEquals(z, rowZ.get("name").asText());
            assertTrue(rowZ.get("proc").intValue() >= 1 && rowZ.get("rss_bytes").longValue() > 0, rowZ.toString());
        } finally {
            host.stop(a);
            host.stop(z);
        }
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(z);
    }
}
