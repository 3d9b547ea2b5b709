package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.config.NetworkConfig;
import org.vserver.net.Addresses;
import org.vserver.net.BindPolicy;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * A shared guest's "localhost" is its own: of 127.0.0.0/8 (and {@code ::1}) it reaches only its
 * lback, plus what {@code interfaces/lback.allow} lists; every other loopback destination, the
 * host's and the other guests' lbacks, fails with EPERM, over TCP and UDP, v4 and v6 (mapped).
 * chbind commands follow the same rule with their {@code --lback} and {@code --lback-allow}. The
 * host's part is played by a network namespace of the test's own: its lo holds all of 127.0.0.0/8,
 * and the guests' addresses (198.18.0.0/15, never routed) are on it too.
 */
@RequiresRoot("starts real guests")
@RequiresKernel({Feature.LANDLOCK_SCOPES, Feature.CGROUP2})
class LoopbackIT {
    static TestHost host;
    static TestNetns ns;
    static String net;                      // this run's 198.18.x.
    static String a, b;
    static String lbackA, lbackB;

    /** "op,ADDR,PORT" arguments (tcp, udp, udpconnect, bind), one line each: "ARG = RESULT" or "ARG = errno N". */
    static final String PROBE = """
            import socket, sys
            def fam(a): return socket.AF_INET6 if ':' in a else socket.AF_INET
            def run(op, addr, port):
                if op == 'tcp':
                    c = socket.socket(fam(addr)); c.settimeout(5); c.connect((addr, port))
                    return c.recv(200).decode().strip() + ' ' + c.getsockname()[0]
                if op == 'udp':
                    s = socket.socket(fam(addr), socket.SOCK_DGRAM); s.sendto(b'probe', (addr, port))
                    return 'sent'
                if op == 'udpconnect':
                    s = socket.socket(fam(addr), socket.SOCK_DGRAM); s.connect((addr, port)); s.send(b'probe')
                    return 'sent ' + s.getsockname()[0]
                if op == 'bind':
                    s = socket.socket(fam(addr)); s.bind((addr, port))
                    return s.getsockname()[0]
                raise ValueError(op)
            for arg in sys.argv[1:]:
                op, addr, port = arg.split(',')
                try:
                    r = run(op, addr, int(port))
                except OSError as e:
                    r = 'errno %d' % e.errno
                print(arg + ' = ' + r, flush=True)
            """;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        ns = TestNetns.create("vsit-lback-" + host.id);
        net = "198.18." + ThreadLocalRandom.current().nextInt(256) + ".";
        a = host.build("lba");
        address(a, net + "1");
        b = host.build("lbb");
        address(b, net + "11");
        start(a);
        start(b);
        lbackA = NetworkConfig.defaultLback(Integer.parseInt(host.context(a))).getHostAddress();
        lbackB = NetworkConfig.defaultLback(Integer.parseInt(host.context(b))).getHostAddress();
    }

    @AfterAll
    static void tearDown() throws Exception { SharedStack.close(host, ns); }

    static void address(String g, String ip) throws Exception { SharedStack.address(host, g, "00", ip, null); }

    static void start(String g) throws Exception { SharedStack.run(host, ns, g, "start"); }

    static void stop(String g) throws Exception { SharedStack.run(host, ns, g, "stop"); }

    /** PROBE with {@code ops} in guest {@code g}: ARG → result. */
    static Map<String, String> in(String g, String... ops) throws Exception {
        return results(host.cliIn(ns.path, null, concat(new String[] {"vserver", g, "exec", "python3", "-c", PROBE}, ops)));
    }

    /** PROBE with {@code ops} under {@code chbind OPTIONS --}. */
    static Map<String, String> chbind(List<String> options, String... ops) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chbind", "--silent"));
        cmd.addAll(options);
        cmd.addAll(List.of("--", "python3", "-c", PROBE));
        cmd.addAll(List.of(ops));
        return results(host.cliIn(ns.path, null, cmd.toArray(String[]::new)));
    }

    static Map<String, String> results(TestHost.Result r) {
        assertEquals(0, r.code(), "probe:\n" + r);
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : r.out().lines().toList()) {
            int eq = line.indexOf(" = ");
            if (eq > 0) out.put(line.substring(0, eq), line.substring(eq + 3));
        }
        return out;
    }

    static String op(String op, String addr, int port) { return op + "," + addr + "," + port; }

    /** A TCP server in the test namespace (the host) on ADDR:PORT answering COUNT connections with "TAG PEER". */
    static Process hostServer(String addr, int port, String tag, int count) throws Exception {
        Process p = ns.spawn("python3", "-c", NetProbe.SERVE, addr, Integer.toString(port), tag, Integer.toString(count));
        TestNetns.awaitLine(p, "ready");
        return p;
    }

    static String[] concat(String[] x, String... y) { return SharedStack.concat(x, y); }

    static int port() { return SharedStack.port(); }

    @Test
    void aGuestsLocalhostServiceIsOutOfReachOfTheOtherGuests() throws Exception {
        int port = port(), uport = port + 1;
        Process svc = host.spawnIn(ns.path, "vserver", b, "exec", "python3", "-c", NetProbe.SERVE, "127.0.0.1", Integer.toString(port), "b", "2");
        assertEquals("ready " + lbackB, TestNetns.awaitLine(svc, "ready"), "b's 127.0.0.1 is its lback");
        Process rx = host.spawnIn(ns.path, "vserver", b, "exec", "python3", "-c", NetProbe.RECEIVE, "127.0.0.1", Integer.toString(uport), "20");
        TestNetns.awaitLine(rx, "ready");

        String lback6B = Addresses.text(BindPolicy.lback6Of((java.net.Inet4Address) java.net.InetAddress.ofLiteral(lbackB)));
        var fromA = in(a, op("tcp", lbackB, port), op("tcp", "::ffff:" + lbackB, port), op("udp", lbackB, uport),
                op("udpconnect", lbackB, uport), op("udp", "::ffff:" + lbackB, uport), op("tcp", "127.0.0.1", port), op("tcp", "::1", port),
                op("tcp", lback6B, port), op("udp", lback6B, uport));
        // b's lback6 (its ::1) is as much b's own as its lback
        for (String o : List.of(op("tcp", lbackB, port), op("tcp", "::ffff:" + lbackB, port), op("udp", lbackB, uport),
                op("udpconnect", lbackB, uport), op("udp", "::ffff:" + lbackB, uport), op("tcp", lback6B, port), op("udp", lback6B, uport)))
            assertEquals("errno 1", fromA.get(o), o + ": guest a reached guest b's localhost service: " + fromA);
        assertEquals("errno 111", fromA.get(op("tcp", "127.0.0.1", port)), "a's 127.0.0.1 is its own lback, where nothing listens: " + fromA);
        assertEquals("errno 111", fromA.get(op("tcp", "::1", port)), "and so is its ::1: " + fromA);

        var fromB = in(b, op("tcp", "127.0.0.1", port), op("tcp", lbackB, port), op("tcp", "::1", port), op("udp", "127.0.0.1", uport));
        assertEquals("b " + lbackB + " " + lbackB, fromB.get(op("tcp", "127.0.0.1", port)), "b reaches its own service by 127.0.0.1: " + fromB);
        assertEquals("b " + lbackB + " " + lbackB, fromB.get(op("tcp", lbackB, port)), "and by its lback: " + fromB);
        // ::1 is b's lback6, an IPv6 address: a service on 127.0.0.1 is not reached by ::1, as on any host
        assertEquals("errno 111", fromB.get(op("tcp", "::1", port)), "not by ::1: " + fromB);
        assertEquals("sent", fromB.get(op("udp", "127.0.0.1", uport)), fromB.toString());
        assertEquals("from " + lbackB + " probe", TestNetns.awaitLine(rx, "from"), "only b's datagram arrived");
        assertEquals(0, svc.waitFor(), "the service answered b's two connections");
        rx.destroy();
    }

    @Test
    void aGuestCannotBindAnotherGuestsLoopbackAddress() throws Exception {
        var r = in(a, op("bind", lbackB, 0), op("bind", "::ffff:" + lbackB, 0), op("bind", "127.0.0.9", 0), op("bind", lbackA, 0),
                op("bind", "::1", 0));
        assertEquals("errno 99", r.get(op("bind", lbackB, 0)), r.toString());
        assertEquals("errno 99", r.get(op("bind", "::ffff:" + lbackB, 0)), r.toString());
        assertEquals("errno 99", r.get(op("bind", "127.0.0.9", 0)), r.toString());
        assertEquals(lbackA, r.get(op("bind", lbackA, 0)), r.toString());
        assertEquals(Addresses.text(BindPolicy.lback6Of((java.net.Inet4Address) java.net.InetAddress.ofLiteral(lbackA))),
                r.get(op("bind", "::1", 0)), "::1 is a's lback6: " + r);
    }

    @Test
    void theHostsLoopbackServicesAreReachedOnlyWhenListed() throws Exception {
        String c = host.build("lbc");
        address(c, net + "21");
        start(c);
        String lbackC = NetworkConfig.defaultLback(Integer.parseInt(host.context(c))).getHostAddress();
        try {
            int port = port(), other = port + 1, uport = port + 2, v6port = port + 3;
            Process listed = hostServer("127.0.0.9", port, "host9", 1);
            Process unlisted = hostServer("127.0.0.9", other, "host9other", 1);
            Process v6 = hostServer("::1", v6port, "host6", 1);
            Process rx = ns.spawn("python3", "-c", NetProbe.RECEIVE, "127.0.0.10", Integer.toString(uport), "60");
            TestNetns.awaitLine(rx, "ready");

            var before = in(c, op("tcp", "127.0.0.9", port), op("tcp", "::ffff:127.0.0.9", port), op("udp", "127.0.0.10", uport),
                    op("tcp", "::1", v6port));
            assertEquals("errno 1", before.get(op("tcp", "127.0.0.9", port)), "the host's 127.0.0.9 before it is listed: " + before);
            assertEquals("errno 1", before.get(op("tcp", "::ffff:127.0.0.9", port)), before.toString());
            assertEquals("errno 1", before.get(op("udp", "127.0.0.10", uport)), before.toString());
            assertEquals("errno 111", before.get(op("tcp", "::1", v6port)), "the host's ::1 is never the guest's: " + before);
            String plan = host.cliIn(ns.path, null, "vserver", "debug", "plan", c, "network").out();
            assertTrue(plan.contains("may reach in 127.0.0.0/8: " + lbackC + " (interfaces/lback.allow: none); any other loopback destination: EPERM"), plan);

            var bad = host.cliIn(ns.path, null, "vserver", c, "config", "set", "interfaces.lback.allow", "127.0.0.9:" + port + ",10.0.0.1");
            assertNotEquals(0, bad.code(), bad.toString());
            assertTrue(bad.err().contains("interfaces/lback.allow:2: 10.0.0.1 is not a loopback address"), bad.toString());
            var set = host.cliIn(ns.path, null, "vserver", c, "config", "set", "interfaces.lback.allow", "127.0.0.9:" + port + ",127.0.0.10");
            assertEquals(0, set.code(), set.toString());
            plan = host.cliIn(ns.path, null, "vserver", "debug", "plan", c, "network").out();
            assertTrue(plan.contains("may reach in 127.0.0.0/8: " + lbackC + " 127.0.0.9:" + port + " 127.0.0.10 (with interfaces/lback.allow)"), plan);
            stop(c);
            start(c);

            var after = in(c, op("tcp", "127.0.0.9", port), op("tcp", "127.0.0.9", other), op("udp", "127.0.0.10", uport),
                    op("tcp", lbackB, port), op("tcp", "::1", v6port));
            assertEquals("host9 " + lbackC + " " + lbackC, after.get(op("tcp", "127.0.0.9", port)),
                    "listed: reached, from the guest's lback: " + after);
            assertEquals("errno 1", after.get(op("tcp", "127.0.0.9", other)), "another port of an address listed with a port: " + after);
            assertEquals("sent", after.get(op("udp", "127.0.0.10", uport)), after.toString());
            assertEquals("from " + lbackC + " probe", TestNetns.awaitLine(rx, "from"));
            assertEquals("errno 1", after.get(op("tcp", lbackB, port)), "other guests stay out of reach: " + after);
            assertEquals("errno 111", after.get(op("tcp", "::1", v6port)), after.toString());
            assertEquals(0, listed.waitFor(), "the listed server answered");
            assertTrue(unlisted.isAlive() && v6.isAlive(), "nothing reached the others");
        } finally {
            host.cliIn(ns.path, null, "vserver", c, "stop");
        }
        host.assertNothingLeftOf(c);
    }

    @Test
    void aBadLbackAllowRefusesTheStartNamingItsLine() throws Exception {
        String d = host.build("lbd");
        address(d, net + "31");
        host.config(d, "interfaces/lback.allow", "# the resolver\n127.0.0.53:53\n127.0.0.53:dns\n");
        var r = host.cliIn(ns.path, null, "vserver", d, "start");
        assertNotEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("interfaces/lback.allow:3: invalid port 'dns' in '127.0.0.53:dns' (1..65535)"), r.toString());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r);
        host.assertNothingLeftOf(d);
    }

    @Test
    void aChbindCommandReachesOnlyItsLbackAndWhatItLists() throws Exception {
        int port = port(), own = port + 1, uport = port + 2;
        Process listed = hostServer("127.0.0.9", port, "host9", 1);
        Process mine = hostServer("127.0.0.5", own, "own", 1);
        Process guestB = hostServer(lbackB, port, "b", 1);         // as guest b's localhost service would be
        String ip = net + "41";
        ns.ip("addr", "add", ip + "/32", "dev", "lo");
        List<String> opts = List.of("--ip", ip, "--lback", "127.0.0.5");
        var r = chbind(opts, op("tcp", "127.0.0.9", port), op("udp", "127.0.0.9", uport), op("tcp", lbackB, port),
                op("tcp", "::ffff:" + lbackB, port), op("udpconnect", lbackB, uport), op("bind", lbackB, 0), op("tcp", "127.0.0.1", own));
        assertEquals("errno 1", r.get(op("tcp", "127.0.0.9", port)), "an unlisted loopback address: " + r);
        assertEquals("errno 1", r.get(op("udp", "127.0.0.9", uport)), r.toString());
        assertEquals("errno 1", r.get(op("tcp", lbackB, port)), "a guest's lback: " + r);
        assertEquals("errno 1", r.get(op("tcp", "::ffff:" + lbackB, port)), r.toString());
        assertEquals("errno 1", r.get(op("udpconnect", lbackB, uport)), r.toString());
        assertEquals("errno 99", r.get(op("bind", lbackB, 0)), r.toString());
        assertEquals("own 127.0.0.5 127.0.0.5", r.get(op("tcp", "127.0.0.1", own)), "127.0.0.1 is its --lback: " + r);

        var allowed = chbind(concat(opts, "--lback-allow", "127.0.0.9:" + port), op("tcp", "127.0.0.9", port), op("tcp", lbackB, port));
        assertEquals("host9 127.0.0.5 127.0.0.5", allowed.get(op("tcp", "127.0.0.9", port)), "listed: reached from its lback: " + allowed);
        assertEquals("errno 1", allowed.get(op("tcp", lbackB, port)), allowed.toString());
        assertEquals(0, listed.waitFor());
        assertEquals(0, mine.waitFor());
        assertTrue(guestB.isAlive(), "nothing reached b's lback");
        assertEquals(List.of(), host.cgroupDirs().stream().filter(p -> p.getFileName().toString().startsWith("chbind-")).toList(),
                "chbind cgroups left");
    }

    private static List<String> concat(List<String> l, String... more) {
        List<String> out = new ArrayList<>(l);
        out.addAll(List.of(more));
        return out;
    }
}
