package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.config.NetworkConfig;
import org.vserver.net.Addresses;
import org.vserver.net.BindPolicy;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;
import org.vserver.sys.Syscalls;

/**
 * Shared-stack guests (VServer's chbind): the host's stack, each guest held to its own addresses
 * by cgroup-bpf hooks. The host's part is played by a network namespace of the test's own, and
 * the guests' addresses are in 127.0.0.0/8 (the host's on that namespace's lo too): no traffic
 * leaves it. What a guest may reach of 127.0.0.0/8 is LoopbackIT's.
 */
@RequiresRoot("starts real guests")
@RequiresKernel({Feature.LANDLOCK_SCOPES, Feature.CGROUP2})
class SharedNetworkIT {
    static TestHost host;
    static TestNetns ns;
    static String p;                       // this run's 127.x.y. prefix
    static String p6;                      // this run's fd00::/8 prefix (a unique local /64, only on the test namespace's lo)
    static String h4;                      // the host's own IPv4 address: not a loopback one, which guests reach only if listed
    static String a, b;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        ns = TestNetns.create("vsit-shared-" + host.id);
        var r = ThreadLocalRandom.current();
        p = "127." + (100 + r.nextInt(50)) + "." + r.nextInt(256) + ".";        // below 127.156: the lbacks of XIDs from 40000
        p6 = "fd77:" + Integer.toHexString(0x1000 + r.nextInt(0xf000)) + "::";   // four digits: printed as written
        a = host.build("neta");
        address(a, "00", p + "1", "a");
        address(a, "01", p + "2", null);
        host.config(a, "interfaces/lback", p + "99\n");
        b = host.build("netb");
        address(b, "00", p + "11", null);
        address(b, "01", p6 + "11", null);
        ns.ip("addr", "add", p6 + "200/128", "dev", "lo", "nodad");                 // the host's own IPv6 address
        h4 = "198.18." + r.nextInt(256) + ".200";                                  // 198.18.0.0/15: benchmarks, never routed
        ns.ip("addr", "add", h4 + "/32", "dev", "lo");
        start(a);
        start(b);
    }

    @AfterAll
    static void tearDown() throws Exception { SharedStack.close(host, ns); }

    static void address(String g, String id, String ip, String name) throws Exception {
        SharedStack.address(host, g, id, ip, name);
    }

    static void start(String g) throws Exception { SharedStack.run(host, ns, g, "start"); }

    /** A probe run in guest {@code g}; its one line of output. */
    static String in(String g, String probe, String... args) throws Exception {
        String[] cmd = concat(new String[] {"vserver", g, "exec", "python3", "-c", probe}, args);
        var r = host.cliIn(ns.path, null, cmd);
        assertEquals(0, r.code(), "probe in " + g + ":\n" + r);
        return r.out().strip();
    }

    /** A probe run on the (test namespace's) host. */
    static String onHost(String probe, String... args) throws Exception {
        return ns.exec(concat(new String[] {"python3", "-c", probe}, args)).strip();
    }

    static Process serveIn(String g, String addr, int port, String tag) throws Exception { return serveIn(g, addr, port, tag, 1); }

    /** A server in guest {@code g} answering {@code count} connections. */
    static Process serveIn(String g, String addr, int port, String tag, int count) throws Exception {
        return host.spawnIn(ns.path, concat(new String[] {"vserver", g, "exec", "python3", "-c", NetProbe.SERVE},
                addr, Integer.toString(port), tag, Integer.toString(count)));
    }

    static String[] concat(String[] x, String... y) { return SharedStack.concat(x, y); }

    static int port() { return SharedStack.port(); }

    @Test
    void theAddressesAreOnTheHostDeviceWithTheirLabel() throws Exception {
        String lo = ns.ip("-4", "addr", "show", "dev", "lo");
        assertTrue(lo.contains("inet " + p + "1/32 scope host lo:a"), lo);
        assertTrue(lo.contains("inet " + p + "2/32"), lo);
        assertTrue(lo.contains("inet " + p + "11/32"), lo);
        String status = host.cliIn(ns.path, null, "vserver", a, "status").out();
        assertTrue(status.contains("Network: shared, " + p + "1 " + p + "2, lback " + p + "99"), status);
    }

    @Test
    void aWildcardBindBecomesThePrimaryAddress() throws Exception {
        assertEquals(p + "1", in(a, NetProbe.BIND, "0.0.0.0", "tcp"));
        assertEquals(p + "1", in(a, NetProbe.BIND, "0.0.0.0", "udp"));
        assertEquals(p + "11", in(b, NetProbe.BIND, "0.0.0.0", "tcp"));
        assertEquals("::ffff:" + p + "1", in(a, NetProbe.BIND, "::", "tcp"), "[::] on a guest without IPv6: its IPv4 address, mapped");
    }

    @Test
    void aLoopbackBindBecomesTheGuestsOwnLoopbackAddress() throws Exception {
        assertEquals(p + "99", in(a, NetProbe.BIND, "127.0.0.1", "tcp"), "lback from interfaces/lback");
        String lbackB = NetworkConfig.defaultLback(Integer.parseInt(host.context(b))).getHostAddress();
        assertEquals(lbackB, in(b, NetProbe.BIND, "127.0.0.1", "udp"), "the default lback of the guest's XID");
        // ::1 is the guest's lback6: IPv6 has one loopback address, so each guest has one on the host's lo
        assertEquals(Addresses.text(BindPolicy.lback6Of((java.net.Inet4Address) java.net.InetAddress.ofLiteral(p + "99"))),
                in(a, NetProbe.BIND, "::1", "tcp"));
    }

    @Test
    void onlyTheGuestsOwnAddressesCanBeBound() throws Exception {
        assertEquals(p + "2", in(a, NetProbe.BIND, p + "2", "tcp"));
        assertEquals(p + "99", in(a, NetProbe.BIND, p + "99", "tcp"), "its lback itself");
        assertEquals("errno 99", in(a, NetProbe.BIND, p + "11", "tcp"), "another guest's address: EADDRNOTAVAIL");
        assertEquals("errno 99", in(a, NetProbe.BIND, p + "11", "udp"));
        assertEquals("errno 99", in(a, NetProbe.BIND, "127.0.0.2", "tcp"), "the host's loopback range");
        assertEquals("errno 99", in(b, NetProbe.BIND, p + "1", "tcp"));
        assertEquals("errno 99", in(a, NetProbe.BIND, "::ffff:" + p + "11", "tcp"), "v4-mapped follows the IPv4 rules");
    }

    @Test
    void aGuestProcessWithoutCapabilitiesBindsAPrivilegedPortOfItsOwnAddresses() throws Exception {
        // The default bounding set keeps CAP_NET_BIND_SERVICE: the bind hook lets the guest's
        // processes bind below 1024 without it in the host's user namespace (BindPolicy#privilegedPorts).
        assertEquals(p + "2 80", in(a, NetProbe.BIND_AS_NOBODY, p + "2", "80"));
        assertEquals(p + "1 81", in(a, NetProbe.BIND_AS_NOBODY, "0.0.0.0", "81"));
        assertEquals("errno 99", in(a, NetProbe.BIND_AS_NOBODY, p + "11", "80"), "another guest's address stays refused");
    }

    /**
     * VServer's wildcard bind: all addresses of the context. The socket is bound to the first
     * address; the sk_lookup program hands it the connections to the others and to the guest's
     * loopback (launcher/steer.c), and nothing else reaches it.
     */
    @Test
    void aWildcardListenerAnswersOnEveryAddressOfItsGuestAndNowhereElse() throws Exception {
        int port = port();
        Process hostOwn = ns.spawn("python3", "-c", NetProbe.SERVE, h4, Integer.toString(port), "host", "1");
        assertEquals("ready " + h4, TestNetns.awaitLine(hostOwn, "ready"));
        Process sa = serveIn(a, "0.0.0.0", port, "guest-a", 4);
        assertEquals("ready " + p + "1", TestNetns.awaitLine(sa, "ready"), "bound to the first address");
        assertTrue(onHost(NetProbe.CONNECT, p + "1", Integer.toString(port)).startsWith("guest-a "));
        assertTrue(onHost(NetProbe.CONNECT, p + "2", Integer.toString(port)).startsWith("guest-a "), "its second address");
        assertTrue(onHost(NetProbe.CONNECT, p + "99", Integer.toString(port)).startsWith("guest-a "), "its lback");
        assertTrue(in(a, NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)).startsWith("guest-a "), "localhost inside");
        assertEquals("errno 111", onHost(NetProbe.CONNECT, p + "11", Integer.toString(port)), "another guest's address");
        assertTrue(onHost(NetProbe.CONNECT, h4, Integer.toString(port)).startsWith("host "), "the host's own service, untouched");
        assertEquals(0, sa.waitFor());
        assertEquals(0, hostOwn.waitFor());
    }

    @Test
    void theGuestsLocalhostIsNotTheHostsWildcardListener() throws Exception {
        int port = port();
        Process hostAny = ns.spawn("python3", "-c", NetProbe.SERVE, "0.0.0.0", Integer.toString(port), "host", "1");
        assertEquals("ready 0.0.0.0", TestNetns.awaitLine(hostAny, "ready"));
        assertEquals("errno 111", in(a, NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)),
                "an unclaimed port of the guest's loopback is refused, not the host's");
        assertTrue(onHost(NetProbe.CONNECT, h4, Integer.toString(port)).startsWith("host "));
        assertEquals(0, hostAny.waitFor());
    }

    @Test
    void aListenerWithoutBindAnswersOnlyOnItsGuestsAddresses() throws Exception {
        Process s = host.spawnIn(ns.path, "vserver", a, "exec", "python3", "-c", NetProbe.SERVE_KIND, "nobind", "0", "guest-a", "2");
        String[] ready = TestNetns.awaitLine(s, "ready").split(" ");
        assertEquals("0.0.0.0", ready[1], "the kernel's autobind, which runs no bind hook");
        String port = ready[2];
        assertTrue(onHost(NetProbe.CONNECT, p + "2", port).startsWith("guest-a "), "its own address");
        assertEquals("errno 111", onHost(NetProbe.CONNECT, h4, port), "not on the host's address");
        assertEquals("errno 111", onHost(NetProbe.CONNECT, p + "11", port), "not on another guest's");
        assertTrue(onHost(NetProbe.CONNECT, p + "99", port).startsWith("guest-a "), "its lback");
        assertEquals(0, s.waitFor());
    }

    @Test
    void aV6OnlyWildcardListenerStartsInAGuestWithoutIpv6AndServesItsLoopback() throws Exception {
        int port = port();
        Process s = host.spawnIn(ns.path, "vserver", a, "exec", "python3", "-c", NetProbe.SERVE_KIND, "v6only", Integer.toString(port), "guest-a", "1");
        String ready = TestNetns.awaitLine(s, "ready");
        assertTrue(ready.startsWith("ready fd7f:7673::"), "bound to the guest's lback6: " + ready);
        assertTrue(in(a, NetProbe.CONNECT, "::1", Integer.toString(port)).startsWith("guest-a "), "::1 inside");
        assertEquals(0, s.waitFor());
    }

    @Test
    void twoGuestsListenOnTheSamePortOfTheirOwnAddresses() throws Exception {
        int port = port();
        Process sa = serveIn(a, "0.0.0.0", port, "guest-a");
        Process sb = serveIn(b, "0.0.0.0", port, "guest-b");
        assertEquals("ready " + p + "1", TestNetns.awaitLine(sa, "ready"));
        assertEquals("ready " + p + "11", TestNetns.awaitLine(sb, "ready"));
        assertTrue(onHost(NetProbe.CONNECT, p + "1", Integer.toString(port)).startsWith("guest-a "));
        assertTrue(onHost(NetProbe.CONNECT, p + "11", Integer.toString(port)).startsWith("guest-b "));
        assertEquals(0, sa.waitFor());
        assertEquals(0, sb.waitFor());
    }

    @Test
    void outgoingConnectionsLeaveFromTheGuestsAddress() throws Exception {
        int port = port();
        Process server = ns.spawn("python3", "-c", NetProbe.SERVE, h4, Integer.toString(port), "host", "1");
        TestNetns.awaitLine(server, "ready");
        assertEquals("host " + p + "1 " + p + "1", in(a, NetProbe.CONNECT, h4, Integer.toString(port)),
                "the server sees the guest's primary address as the peer");
    }

    @Test
    void ipv6BindsAndConnectsFromTheGuestsOwnAddress() throws Exception {
        assertTrue(ns.ip("-6", "addr", "show", "dev", "lo").contains("inet6 " + p6 + "11/128"), "added to lo");
        // [::] follows IPV6_V6ONLY: a dual-stack socket keeps both families (bound to the first IPv4
        // address, mapped; steered on the IPv6 ones), a V6ONLY one becomes the first IPv6 address
        assertEquals("::ffff:" + p + "11", in(b, NetProbe.BIND, "::", "tcp"), "[::] dual-stack");
        String v6only = in(b, NetProbe.SERVE_KIND, "v6only", "0", "-", "0");
        assertTrue(v6only.startsWith("ready " + p6 + "11 "), "[::] V6ONLY: " + v6only);
        assertEquals("errno 99", in(b, NetProbe.BIND, p6 + "200", "tcp"), "the host's IPv6 address is not the guest's");
        int port = port();
        Process server = ns.spawn("python3", "-c", NetProbe.SERVE, p6 + "200", Integer.toString(port), "host6", "1");
        TestNetns.awaitLine(server, "ready");
        assertEquals("host6 " + p6 + "11 " + p6 + "11", in(b, NetProbe.CONNECT, p6 + "200", Integer.toString(port)));
        assertEquals("errno 101", in(a, NetProbe.CONNECT, p6 + "200", Integer.toString(port)),
                "a guest without IPv6 addresses cannot use IPv6 (ENETUNREACH), nor leave from the host's address");
    }

    @Test
    void aForeignSourceIsRefused() throws Exception {
        assertEquals("errno 99", in(a, NetProbe.CONNECT, h4, Integer.toString(port()), p + "11"));
        assertEquals("errno 99", in(a, NetProbe.SEND, h4, Integer.toString(port()), "x", p + "11"));
    }

    @Test
    void udpFromAnUnboundSocketLeavesFromThePrimaryAddress() throws Exception {
        int port = port();
        Process rx = ns.spawn("python3", "-c", NetProbe.RECEIVE, h4, Integer.toString(port), "4");
        TestNetns.awaitLine(rx, "ready");
        assertEquals("sent", in(b, NetProbe.SEND, h4, Integer.toString(port), "hello"));
        assertEquals("from " + p + "11 hello", TestNetns.awaitLine(rx, "from"));
    }

    @Test
    void localhostInTheGuestIsTheGuestsOwn() throws Exception {
        int port = port();
        Process hostServer = ns.spawn("python3", "-c", NetProbe.SERVE, "127.0.0.1", Integer.toString(port), "host", "1");
        TestNetns.awaitLine(hostServer, "ready");
        Process guestServer = serveIn(a, "127.0.0.1", port, "guest");
        assertEquals("ready " + p + "99", TestNetns.awaitLine(guestServer, "ready"));
        String got = in(a, NetProbe.CONNECT, "127.0.0.1", Integer.toString(port));
        assertTrue(got.startsWith("guest " + p + "99"), "127.0.0.1 in the guest reaches the guest's own loopback: " + got);
        assertTrue(onHost(NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)).startsWith("host "), "the host's is untouched");
        assertEquals("errno 111", in(b, NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)),
                "another guest's localhost is not guest a's (nor the host's)");
    }

    @Test
    void theGuestCannotReachTheHooks() throws Exception {
        // bpf(BPF_PROG_DETACH, ...) from guest root: refused (the seccomp filter and the missing CAP_BPF/SYS_ADMIN)
        var r = host.cliIn(ns.path, null, "vserver", a, "exec", "perl", "-e",
                "my $b = \"\\0\" x 64; my $r = syscall(321, 9, $b, 64); print qq($r ), $!+0, qq(\\n);");
        assertEquals("-1 1", r.out().strip(), r.toString());
    }

    @Test
    void stopRemovesTheAddressesAndTheHooks() throws Exception {
        String c = host.build("netc");
        address(c, "00", p + "21", "c");
        start(c);
        Path dir = host.vs.cgroups().bpfDir(c).orElseThrow();
        List<Integer> ids = attached(dir);
        assertFalse(ids.isEmpty(), "bind hooks attached to " + dir);
        assertTrue(ns.ip("-4", "addr").contains(p + "21/32"));
        assertEquals(0, host.cliIn(ns.path, null, "vserver", c, "stop").code());
        assertFalse(ns.ip("-4", "addr").contains(p + "21/"), "address removed");
        host.assertNothingLeftOf(c);
        assertProgramsGone(ids);
    }

    @Test
    void aFailedStartLeavesNothing() throws Exception {
        String d = host.build("netd");
        address(d, "00", p + "31", null);
        address(d, "01", p + "32", null);
        ns.ip("addr", "add", p + "32/32", "dev", "lo");            // the host already uses the second address
        try {
            var r = host.cliIn(ns.path, null, "vserver", d, "start");
            assertNotEquals(0, r.code());
            assertTrue(r.err().contains("address " + p + "32 is already on lo"), r.toString());
            assertFalse(ns.ip("-4", "addr").contains(p + "31/"), "the first address was taken back");
            host.assertNothingLeftOf(d);
        } finally {
            ns.ip("addr", "del", p + "32/32", "dev", "lo");
        }
    }

    @Test
    void aKilledGuestIsCleanedUpByItsMonitor() throws Exception {
        String e = host.build("nete");
        address(e, "00", p + "41", null);
        start(e);
        int init = host.initPid(e);
        new LinuxSyscalls().kill(init, 9);
        // its monitor reaps the init and undoes the start (launcher/monitor.c): no command needed
        assertEquals(List.of(), host.monitorsOf(e), "the monitor has done and gone");
        assertFalse(ns.ip("-4", "addr").contains(p + "41/"), "the address went with the guest");
        host.assertNothingLeftOf(e);
        var r = host.cliIn(ns.path, null, "vserver", e, "status");
        assertEquals(3, r.code(), r.toString());
    }

    @Test
    void hostModeSharesTheStackUnrestricted() throws Exception {
        String h = host.build("neth");
        host.config(h, "interfaces/mode", "host\n");
        start(h);
        try {
            assertEquals("127.0.0.1", in(h, NetProbe.BIND, "127.0.0.1", "tcp"));
            assertEquals(ns.exec("readlink", "/proc/self/ns/net").strip(),
                    Files.readSymbolicLink(Path.of("/proc/" + host.initPid(h) + "/ns/net")).toString(), "the guest is in the host's namespace");
        } finally {
            host.cliIn(ns.path, null, "vserver", h, "stop");
        }
    }

    private static List<Integer> attached(Path dir) throws Exception {
        var sys = new LinuxSyscalls();
        int fd = sys.open(dir.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        try {
            var ids = new java.util.ArrayList<Integer>();
            for (int t : new int[] {8, 9, 10, 11, 14, 15}) for (int id : sys.bpfProgQuery(fd, t)) ids.add(id);
            return ids;
        } finally {
            sys.close(fd);
        }
    }

    /** The kernel frees a removed cgroup's programs asynchronously: a few seconds at most. */
    static void assertProgramsGone(List<Integer> ids) throws Exception {
        var sys = new LinuxSyscalls();
        for (int i = 0; i < 100; i++) {
            var left = new java.util.ArrayList<>(ids);
            left.retainAll(sys.bpfPrograms().keySet());
            if (left.isEmpty()) return;
            Thread.sleep(100);
        }
        var left = new java.util.ArrayList<>(ids);
        left.retainAll(sys.bpfPrograms().keySet());
        assertEquals(List.of(), left, "bpf programs still loaded 10 s after stop");
    }
}
