package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.Counters;
import org.vserver.limits.DefaultLimits;
import org.vserver.testsupport.RequiresRoot;

/**
 * What one default guest can take from the host and its neighbours through counters the kernel
 * keeps per (user namespace, uid): guest root is the host's uid 0, so every guest's root and the
 * host's share them. The built-in limits (sigpending, msgqueue: lower than the host's) keep the
 * host's share; the task limit stops a fork bomb. What only a user namespace can fix is measured
 * and printed (KNOWN lines), not asserted: inotify instances for the host and the neighbour,
 * message queues and queued signals for the neighbour.
 */
@RequiresRoot("starts real guests")
class UidCountersIT {
    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    @Test
    void aGuestHoldingTheSharedCountersLeavesTheHostItsQueuesTimersAndPipes() throws Exception {
        String a = host.build("hog");
        String b = host.build("neighbour");
        CounterProbe.install(host, a);
        CounterProbe.install(host, b);
        host.start(a);
        host.start(b);
        String limits = host.sh(a, "cat /proc/self/limits");
        assertTrue(limits.matches("(?s).*Max pending signals\\s+" + DefaultLimits.SIGPENDING + "\\s+" + DefaultLimits.SIGPENDING + "\\s.*"),
                "the built-in rlimits/sigpending, soft and hard:\n" + limits);
        assertTrue(limits.matches("(?s).*Max msgqueue size\\s+" + DefaultLimits.MSGQUEUE + "\\s+" + DefaultLimits.MSGQUEUE + "\\s.*"),
                "the built-in rlimits/msgqueue, soft and hard:\n" + limits);

        Map<String, String> hostBefore = CounterProbe.fields("CHECK", HostProbe.run(CounterProbe.build().toString(), "check").out());
        Process hold = host.spawnIn(null, "vserver", a, "exec", CounterProbe.IN_GUEST, "hold");
        try {
            String held = heldLine(hold);
            Map<String, String> h = CounterProbe.fields("HELD", held);
            TestHost.Result hostRun = HostProbe.run(CounterProbe.build().toString(), "check");
            Map<String, String> onHost = CounterProbe.fields("CHECK", hostRun.out());
            // root that dropped its capabilities (a hardened host service): no CAP_SYS_RESOURCE exemption for pipes
            Map<String, String> onHostNoCaps = CounterProbe.fields("CHECK", HostProbe.run("setpriv", "--bounding-set=-all",
                    "--inh-caps=-all", CounterProbe.build().toString(), "check").out());
            TestHost.Result bRun = host.cli("vserver", b, "exec", CounterProbe.IN_GUEST, "check");
            Map<String, String> inB = CounterProbe.fields("CHECK", bRun.out());
            String report = "guest A holds: " + held + "\nhost before: " + hostBefore + "\nhost now: " + onHost
                    + "\nhost root without capabilities: " + onHostNoCaps + "\nguest B: " + inB;
            System.out.println(report);

            // A stopped at its own limits, the kernel's refusals
            assertTrue(h.get("sigpending").endsWith("/EAGAIN"), report);
            assertTrue(h.get("mqueue").endsWith("/EMFILE"), report);
            assertTrue(Long.parseLong(h.get("sigpending").split("/")[0]) <= DefaultLimits.SIGPENDING, report);

            // fixed by the guests' lower rlimits: the host's root keeps its message queues and timers
            assertEquals("ok", onHost.get("mq_open"), "the host's mq_open while a guest holds its msgqueue maximum:\n" + report);
            assertEquals("ok", onHost.get("timer_create"), "the host's timer_create while a guest holds its sigpending maximum:\n" + report);
            // pipes: only pipe-user-pages-soft applies (the hard limit is 0, off, by default): pipe() keeps working for all
            assertEquals("ok", onHost.get("pipe"), report);
            assertEquals("65536", onHost.get("pipe_size"), "the host's root (CAP_SYS_RESOURCE) gets full-size pipes:\n" + report);
            assertEquals("ok", inB.get("pipe"), "guest B still gets pipes:\n" + report);

            // what needs a user namespace (the guest's own uid): measured, not pretended
            System.out.println("KNOWN (needs a user namespace): host inotify_init1=" + onHost.get("inotify_init1")
                    + ", B inotify_init1=" + inB.get("inotify_init1") + ", B mq_open=" + inB.get("mq_open")
                    + ", B timer_create=" + inB.get("timer_create") + ", B pipe_size=" + inB.get("pipe_size")
                    + ", host root without capabilities pipe_size=" + onHostNoCaps.get("pipe_size")
                    + "; A held inotify " + h.get("inotify") + ", mqueue " + h.get("mqueue") + " (" + h.get("mqueue_payload")
                    + " payload bytes), sigpending " + h.get("sigpending") + " SigQ " + h.get("SigQ") + ", pipes " + h.get("pipes")
                    + " (" + h.get("pipe_pages") + " pages, growing: " + h.get("grow") + ")");
        } finally {
            hold.destroyForcibly();
            hold.waitFor(10, TimeUnit.SECONDS);
            host.stop(a);                                                   // releases all A held
            host.stop(b);
        }
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
        // and once A is gone, the host has all of it back
        Map<String, String> after = CounterProbe.fields("CHECK", HostProbe.run(CounterProbe.build().toString(), "check").out());
        assertEquals("ok", after.get("inotify_init1"), after.toString());
    }

    /** Reads the hold process's output until its HELD line (it then keeps everything until killed). */
    static String heldLine(Process p) throws Exception {
        var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            StringBuilder all = new StringBuilder();
            try {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.startsWith("HELD ")) return l;
                    all.append(l).append('\n');
                }
            } catch (java.io.IOException e) {
                all.append(e);
            }
            return "no HELD line: " + all;
        });
        String l = line.get(120, TimeUnit.SECONDS);
        assertTrue(l.startsWith("HELD "), l);
        return l;
    }

    @Test
    void aForkBombInADefaultGuestStopsAtTheDefaultTaskLimit() throws Exception {
        String g = host.build("bomb");
        CounterProbe.install(host, g);
        host.config(g, "rlimits/nofile", "2048\n");
        host.start(g);
        Path pidsMax = Path.of("/sys/fs/cgroup/pids", host.cgroupParent, g, "pids.max");
        // checked before the bomb: without a limit it would run into the host's pid_max
        assertEquals(Long.toString(DefaultLimits.NPROC), Files.readString(pidsMax).strip(), "a default guest's task limit");
        var status = host.cli("vserver", g, "status");
        assertTrue(status.out().contains("Limits: nproc 4096 (built-in), nofile 2048 (guest), msgqueue 409600 bytes (built-in), "
                + "sigpending 1024 (built-in)"), "status says where each limit comes from:\n" + status);

        var r = host.cli("vserver", g, "exec", CounterProbe.IN_GUEST, "forkbomb", "8192");
        Map<String, String> f = Map.of("FORKED", r.out().strip());
        assertTrue(r.out().startsWith("FORKED ") && r.out().strip().endsWith("/EAGAIN"), "the kernel refused a fork before the probe's cap:\n" + r);
        Counters c = host.vs.cgroups().counters(g);
        assertTrue(c.forkRefusals() > 0, "forks refused at nproc: " + c);
        // the probe itself has exited since (its children went to the guest's init), and the init's own tasks come and go
        assertTrue(c.tasks() <= DefaultLimits.NPROC && c.tasks() >= DefaultLimits.NPROC - 64, "the guest holds its limit: " + c + " " + f);
        // the host and the guest's admin are not locked out
        assertEquals("ok\n", HostProbe.ok("sh", "-c", "echo ok"));
        var in = host.cli("vserver", g, "exec", "cat", "/proc/self/cgroup");
        assertEquals(0, in.code(), "exec into a guest at its task limit: " + in);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }
}
