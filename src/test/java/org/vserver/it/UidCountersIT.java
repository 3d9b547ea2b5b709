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
 * What one guest can take from the host and its neighbours through counters the kernel keeps per
 * (user namespace, uid), and charges at every ancestor level to the uid that created the
 * namespace. A default guest has its own user namespace, created by its own first host uid
 * (launcher/userns.c): its root's inotify instances, message queues, queued signals and pipe pages
 * are its own, and neither the host's root nor another guest loses any. A guest with
 * userns/disabled is the host's uid 0: there the built-in limits (sigpending, msgqueue: lower than
 * the host's) keep the host's share of those two, and inotify instances stay shared, the known
 * price of the opt-out, asserted as such. The task limit stops a fork bomb either way.
 */
@RequiresRoot("starts real guests")
class UidCountersIT {
    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    /** What guest A held and what the host's root, root without capabilities and guest B got meanwhile. */
    record Held(Map<String, String> held, Map<String, String> host, Map<String, String> hostNoCaps, Map<String, String> b, String report) {}

    /** Guests A and B (each with userns/disabled unless {@code userns}); A holds all it may while the others check. */
    private Held holdInA(boolean userns) throws Exception {
        String a = host.build("hog");
        String b = host.build("neighbour");
        CounterProbe.install(host, a);
        CounterProbe.install(host, b);
        if (!userns) {
            host.config(a, "userns/disabled", "");
            host.config(b, "userns/disabled", "");
        }
        host.start(a);
        host.start(b);
        String limits = host.sh(a, "cat /proc/self/limits");
        assertTrue(limits.matches("(?s).*Max pending signals\\s+" + DefaultLimits.SIGPENDING + "\\s+" + DefaultLimits.SIGPENDING + "\\s.*"),
                "the built-in rlimits/sigpending, soft and hard:\n" + limits);
        assertTrue(limits.matches("(?s).*Max msgqueue size\\s+" + DefaultLimits.MSGQUEUE + "\\s+" + DefaultLimits.MSGQUEUE + "\\s.*"),
                "the built-in rlimits/msgqueue, soft and hard:\n" + limits);

        Map<String, String> hostBefore = CounterProbe.fields("CHECK", HostProbe.run(CounterProbe.build().toString(), "check").out());
        Process hold = host.spawnIn(null, "vserver", a, "exec", CounterProbe.IN_GUEST, "hold");
        Held result;
        try {
            String held = heldLine(hold);
            Map<String, String> h = CounterProbe.fields("HELD", held);
            Map<String, String> onHost = CounterProbe.fields("CHECK", HostProbe.run(CounterProbe.build().toString(), "check").out());
            // root that dropped its capabilities (a hardened host service): no CAP_SYS_RESOURCE exemption for pipes
            Map<String, String> onHostNoCaps = CounterProbe.fields("CHECK", HostProbe.run("setpriv", "--bounding-set=-all",
                    "--inh-caps=-all", CounterProbe.build().toString(), "check").out());
            Map<String, String> inB = CounterProbe.fields("CHECK", host.cli("vserver", b, "exec", CounterProbe.IN_GUEST, "check").out());
            String report = (userns ? "user namespaces" : "userns/disabled") + ": guest A holds: " + held + "\nhost before: "
                    + hostBefore + "\nhost now: " + onHost + "\nhost root without capabilities: " + onHostNoCaps + "\nguest B: " + inB;
            System.out.println(report);
            result = new Held(h, onHost, onHostNoCaps, inB, report);
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

        // A stopped at its own limits, the kernel's refusals
        Map<String, String> h = result.held();
        assertTrue(h.get("sigpending").endsWith("/EAGAIN"), result.report());
        assertTrue(h.get("mqueue").endsWith("/EMFILE"), result.report());
        assertTrue(h.get("inotify").endsWith("/EMFILE"), result.report());
        assertTrue(Long.parseLong(h.get("sigpending").split("/")[0]) <= DefaultLimits.SIGPENDING, result.report());
        // either way: the host's root keeps its message queues, timers and full-size pipes (CAP_SYS_RESOURCE), B its pipes
        assertEquals("ok", result.host().get("mq_open"), "the host's mq_open while a guest holds its msgqueue maximum:\n" + result.report());
        assertEquals("ok", result.host().get("timer_create"), "the host's timer_create while a guest holds its sigpending maximum:\n"
                + result.report());
        assertEquals("ok", result.host().get("pipe"), result.report());
        assertEquals("65536", result.host().get("pipe_size"), result.report());
        assertEquals("ok", result.b().get("pipe"), "guest B still gets pipes:\n" + result.report());
        return result;
    }

    @Test
    void aGuestHoldingItsCountersLeavesTheHostAndItsNeighbourTheirs() throws Exception {
        Held r = holdInA(true);
        // A's root is its own first host uid: nothing it holds is host uid 0's or B's
        assertEquals("ok", r.host().get("inotify_init1"), "the host's root gets inotify instances:\n" + r.report());
        assertEquals("ok", r.b().get("inotify_init1"), "guest B's root gets inotify instances:\n" + r.report());
        assertEquals("ok", r.b().get("mq_open"), "guest B's message queues:\n" + r.report());
        assertEquals("ok", r.b().get("timer_create"), "guest B's queued signals:\n" + r.report());
        assertEquals("65536", r.b().get("pipe_size"), "guest B's pipes are full-size (its own pipe pages):\n" + r.report());
        assertEquals("65536", r.hostNoCaps().get("pipe_size"), "so are those of host root without capabilities:\n" + r.report());
    }

    /**
     * The opt-out's known price: both guests' roots are host uid 0, so A's inotify instances are the
     * host's root's and B's too (fs.inotify.max_user_instances of the init namespace, no rlimit).
     */
    @Test
    void withUsernsDisabledAGuestsRootSharesTheHostRootsInotifyInstances() throws Exception {
        Held r = holdInA(false);
        assertEquals("EMFILE", r.host().get("inotify_init1"), "shared with the host's root:\n" + r.report());
        assertEquals("EMFILE", r.b().get("inotify_init1"), "shared with guest B's root:\n" + r.report());
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
