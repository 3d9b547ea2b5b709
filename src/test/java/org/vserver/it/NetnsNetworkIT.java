package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;
import org.vserver.sys.LinuxSyscalls;

/**
 * Guests with a network namespace of their own (NGNET): a veth to a bridge, addresses and routes
 * set by the host, frames checked at the bridge port. The host's side (bridge, veths, NAT, a
 * "world" behind it) lives in network namespaces the test makes: no packet leaves them.
 */
@RequiresRoot("starts real guests")
@RequiresKernel({Feature.TCX, Feature.CGROUP2})
class NetnsNetworkIT {
    static TestHost host;
    static TestNetns ns, world;
    static String net;                     // this run's 10.x.y. prefix
    static String net6;                    // this run's unique local /64
    static String bridge;
    static String g1, g2;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        ns = TestNetns.create("vsit-netns-" + host.id);
        world = TestNetns.create("vsit-world-" + host.id);
        var r = ThreadLocalRandom.current();
        net = "10." + (100 + r.nextInt(100)) + "." + r.nextInt(256) + ".";
        net6 = "fd78:" + Integer.toHexString(0x1000 + r.nextInt(0xf000)) + "::";  // four digits: printed as written
        bridge = "vsbr" + host.id.substring(0, 6);
        ns.ip("link", "add", bridge, "type", "bridge");
        ns.ip("link", "set", bridge, "mtu", "9000");                          // the admin's MTU: kept with no port left
        ns.ip("addr", "add", net + "1/24", "dev", bridge);
        ns.ip("addr", "add", net6 + "1/64", "dev", bridge, "nodad");
        ns.ip("link", "set", bridge, "up");
        // the world: 198.18.0.0/15 (benchmarking range) behind a veth, reached through NAT only
        ns.ip("link", "add", "up0", "type", "veth", "peer", "name", "down0", "netns", world.name);
        ns.ip("addr", "add", "198.18.7.1/24", "dev", "up0");
        ns.ip("link", "set", "up0", "up");
        world.ip("addr", "add", "198.18.7.2/24", "dev", "down0");
        world.ip("link", "set", "down0", "up");
        g1 = guest("nns1", net + "2", true);
        host.config(g1, "interfaces/01/ip", net6 + "2\n");
        g2 = guest("nns2", net + "3", false);
        start(g1);
        start(g2);
    }

    static String guest(String name, String ip, boolean nat) throws Exception {
        String g = host.build(name);
        host.config(g, "interfaces/mode", "netns\n");
        host.config(g, "interfaces/bridge", bridge + "\n");
        host.config(g, "interfaces/00/ip", ip + "\n");
        if (nat) host.config(g, "interfaces/nat", "");
        return g;
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (host != null) for (String g : host.vs.state().names()) host.cliIn(ns.path, null, "vserver", g, "stop");
            if (world != null) world.close();
            if (ns != null) ns.close();
        } finally {
            if (host != null) host.close();
        }
    }

    static void start(String g) throws Exception {
        var r = host.cliIn(ns.path, null, "vserver", g, "start");
        assertEquals(0, r.code(), "start " + g + ":\n" + r);
    }

    static String in(String g, String probe, String... args) throws Exception {
        var r = host.cliIn(ns.path, null, SharedNetworkIT.concat(new String[] {"vserver", g, "exec", "python3", "-c", probe}, args));
        assertEquals(0, r.code(), "probe in " + g + ":\n" + r);
        return r.out().strip();
    }

    /** A command in the guest's namespace with the host's privileges (what the guest itself cannot do). */
    static String asRootIn(String g, String... cmd) throws Exception {
        var full = new java.util.ArrayList<>(java.util.List.of("nsenter", "--net=/proc/" + host.initPid(g) + "/ns/net"));
        full.addAll(java.util.List.of(cmd));
        return TestNetns.run(full);
    }

    static int port() { return SharedNetworkIT.port(); }

    /** The MAC of the guest's eth0 (through ip: /sys/class/net is the sysfs of the namespace that mounted it, not ours). */
    static String mac(String g) throws Exception {
        String l = asRootIn(g, "ip", "link", "show", "eth0");
        var m = java.util.regex.Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(l);
        assertTrue(m.find(), l);
        return m.group(1);
    }

    @Test
    void theHostSetTheGuestsAddressRouteAndMac() throws Exception {
        String addr = asRootIn(g1, "ip", "-4", "addr", "show", "dev", "eth0");
        assertTrue(addr.contains("inet " + net + "2/24"), addr);
        String route = asRootIn(g1, "ip", "route");
        assertTrue(route.contains("default via " + net + "1 dev eth0"), route);
        String lo = asRootIn(g1, "ip", "link", "show", "lo");
        assertTrue(lo.contains("UP"), lo);
        String port = ns.ip("link", "show", "vs" + host.context(g1));
        assertTrue(port.contains("master " + bridge), port);
        assertTrue(mac(g1).startsWith("02:56:53:"), mac(g1));
        assertTrue(asRootIn(g1, "ip", "link", "show", "eth0").contains(" mtu 9000 "), "the bridge's MTU");
        assertTrue(port.contains(" mtu 9000 "), port);
        String status = host.cliIn(ns.path, null, "vserver", g1, "status").out();
        assertTrue(status.contains("Network: netns, eth0 " + net + "2/24 " + net6 + "2/64 on bridge " + bridge
                + " (host link vs" + host.context(g1) + "), NAT"), status);
    }

    @Test
    void theGuestCannotChangeItsNetwork() throws Exception {
        var r = host.cliIn(ns.path, null, "vserver", g1, "exec", "ip", "addr", "add", net + "50/24", "dev", "eth0");
        assertTrue(r.code() != 0 && r.err().contains("Operation not permitted"), r.toString());
        assertFalse(asRootIn(g1, "ip", "addr").contains(net + "50"));
    }

    @Test
    void guestToHostAndGuestToGuestOnTheBridge() throws Exception {
        int port = port();
        Process server = ns.spawn("python3", "-c", NetProbe.SERVE, net + "1", Integer.toString(port), "host", "1");
        TestNetns.awaitLine(server, "ready");
        assertEquals("host " + net + "2 " + net + "2", in(g1, NetProbe.CONNECT, net + "1", Integer.toString(port)));
        int port2 = port();
        Process s2 = host.spawnIn(ns.path, "vserver", g2, "exec", "python3", "-c", NetProbe.SERVE, "0.0.0.0",
                Integer.toString(port2), "g2", "1");
        TestNetns.awaitLine(s2, "ready");
        assertEquals("g2 " + net + "2 " + net + "2", in(g1, NetProbe.CONNECT, net + "3", Integer.toString(port2)));
    }

    @Test
    void ipv6ThroughTheBridge() throws Exception {
        assertTrue(asRootIn(g1, "ip", "-6", "addr", "show", "dev", "eth0").contains("inet6 " + net6 + "2/64"));
        assertTrue(asRootIn(g1, "ip", "-6", "route").contains("default via " + net6 + "1 dev eth0"));
        int port = port();
        Process server = ns.spawn("python3", "-c", NetProbe.SERVE, "::", Integer.toString(port), "host6", "1");
        TestNetns.awaitLine(server, "ready");
        assertEquals("host6 " + net6 + "2 " + net6 + "2", in(g1, NetProbe.CONNECT, net6 + "1", Integer.toString(port)),
                "neighbour discovery and the guest's own source pass the bridge port's filter");
    }

    @Test
    void pingWorksWithoutRawSockets() throws Exception {
        assertEquals("reply", in(g1, NetProbe.PING, net + "1"));
    }

    @Test
    void hostLocalServicesAreNotReachable() throws Exception {
        int port = port();
        Process server = ns.spawn("python3", "-c", NetProbe.SERVE, "127.0.0.1", Integer.toString(port), "secret", "1");
        TestNetns.awaitLine(server, "ready");
        assertEquals("errno 111", in(g1, NetProbe.CONNECT, net + "1", Integer.toString(port)), "ECONNREFUSED");
        assertEquals("errno 111", in(g1, NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)), "the guest's own loopback");
        assertTrue(ns.exec("python3", "-c", NetProbe.CONNECT, "127.0.0.1", Integer.toString(port)).startsWith("secret"));
    }

    @Test
    void spoofedPacketsAreNotDelivered() throws Exception {
        int port = port();
        Process rx = ns.spawn("python3", "-c", NetProbe.RECEIVE, "0.0.0.0", Integer.toString(port), "6");
        TestNetns.awaitLine(rx, "ready");
        String dst = net + "1", p = Integer.toString(port);
        assertEquals("sent", in(g2, NetProbe.SEND, dst, p, "honest1"));                 // the neighbour entry is made with it
        asRootIn(g2, "ip", "addr", "add", net + "77/24", "dev", "eth0");         // what a guest with CAP_NET_ADMIN could do
        try {
            assertEquals("sent", in(g2, NetProbe.SEND, dst, p, "spoofed-ip", net + "77"));
        } finally {
            asRootIn(g2, "ip", "addr", "del", net + "77/24", "dev", "eth0");
        }
        String mac = mac(g2);
        asRootIn(g2, "ip", "link", "set", "eth0", "address", "02:00:00:00:00:99");
        try {
            assertEquals("sent", in(g2, NetProbe.SEND, dst, p, "spoofed-mac"));
        } finally {
            asRootIn(g2, "ip", "link", "set", "eth0", "address", mac);
        }
        assertEquals("sent", in(g2, NetProbe.SEND, dst, p, "honest2"));
        var got = new java.util.ArrayList<String>();
        var r = new java.io.BufferedReader(new java.io.InputStreamReader(rx.getInputStream()));
        for (String l; (l = r.readLine()) != null && !l.equals("done"); ) if (l.startsWith("from")) got.add(l);
        assertEquals(java.util.List.of("from " + net + "3 honest1", "from " + net + "3 honest2"), got,
                "only the datagrams with the guest's own address and MAC arrive");
    }

    @Test
    void natTakesAPrivateGuestToTheWorld() throws Exception {
        int port = port();
        Process server = world.spawn("python3", "-c", NetProbe.SERVE, "198.18.7.2", Integer.toString(port), "world", "1");
        TestNetns.awaitLine(server, "ready");
        String got = in(g1, NetProbe.CONNECT, "198.18.7.2", Integer.toString(port));
        assertTrue(got.startsWith("world 198.18.7.1 "), "the world sees the host's address: " + got);
        assertTrue(ns.exec("nft", "list", "tables").contains("vs" + host.context(g1)));
        assertFalse(ns.exec("nft", "list", "tables").contains("vs" + host.context(g2)), "no NAT without interfaces/nat");
    }

    /** A NAT guest on a bridge the test namespace does not have: vserver creates it. */
    static String natGuestOnOwnBridge(String name, String bridge, String ip) throws Exception {
        String g = host.build(name);
        host.config(g, "interfaces/mode", "netns\n");
        host.config(g, "interfaces/bridge", bridge + "\n");
        host.config(g, "interfaces/00/ip", ip + "\n");
        host.config(g, "interfaces/nat", "");
        return g;
    }

    @Test
    void aFailedStartLeavesNothing() throws Exception {
        String g = host.build("nns5");
        host.config(g, "interfaces/mode", "netns\n");
        host.config(g, "interfaces/bridge", "up0\n");                       // a veth, not a bridge
        host.config(g, "interfaces/00/ip", "10.252.0.2\n");
        var r = host.cliIn(ns.path, null, "vserver", g, "start");
        assertTrue(r.code() != 0 && r.err().contains("up0 (interfaces/bridge) is a veth, not a bridge"), r.toString());
        assertFalse(ns.ip("link").contains("vs" + host.context(g) + "@"), "no veth left");
        host.assertNothingLeftOf(g);
    }

    @Test
    void aKilledGuestIsCleanedUpByItsMonitor() throws Exception {
        String own = "vsok" + host.id.substring(0, 6);
        String g = natGuestOnOwnBridge("nns4", own, "10.253.0.2");
        start(g);
        String table = "vs" + host.context(g);
        int init = host.initPid(g);
        new LinuxSyscalls().kill(init, 9);
        // its monitor reaps the init and undoes the start (launcher/monitor.c): no command needed
        assertEquals(java.util.List.of(), host.monitorsOf(g), "the monitor has done and gone");
        assertFalse(ns.exec("nft", "list", "tables").contains(table), "the NAT table is gone");
        assertEquals(3, host.cliIn(ns.path, null, "vserver", g, "status").code());
        String links = ns.ip("link");
        assertFalse(links.contains(own + ":") || links.contains(table + "@"), links);
        host.assertNothingLeftOf(g);
    }

    @Test
    void stopLeavesNoLinkPortOrTableAndAnOwnBridgeGoesWithItsLastGuest() throws Exception {
        String own = "vsob" + host.id.substring(0, 6);
        String g = natGuestOnOwnBridge("nns3", own, "10.254.0.2");
        host.config(g, "interfaces/mtu", "4000\n");
        start(g);
        String link = "vs" + host.context(g);
        assertTrue(ns.ip("link", "show", own).contains(" mtu 4000 "), "the bridge was created, with interfaces/mtu");
        assertTrue(asRootIn(g, "ip", "link", "show", "eth0").contains(" mtu 4000 "));
        assertTrue(ns.ip("link", "show", link).contains("master " + own));
        assertEquals(0, host.cliIn(ns.path, null, "vserver", g, "stop").code());
        String links = ns.ip("link");
        assertFalse(links.contains(link + "@"), links);
        assertFalse(links.contains(own + ":"), "vserver's own bridge goes with its last port: " + links);
        assertFalse(ns.exec("nft", "list", "tables").contains(link), "the NAT table is gone");
        assertTrue(links.contains(bridge + ":"), "the admin's bridge stays");
        host.assertNothingLeftOf(g);
    }

    /**
     * The network is made by the launcher before the init exists (doc/plan-cache.md): a failure
     * injected at each of its steps, and a kill -9 right after each, must leave no veth, bridge of
     * vserver's, NAT table or marker once the start (or the next command) has undone it.
     */
    @Test
    void eachNetworkStepThatFailsOrIsKilledIsUndone() throws Exception {
        String own = "vsfb" + host.id.substring(0, 6);
        String g = natGuestOnOwnBridge("nns6", own, "10.251.0.2");
        start(g);
        assertEquals(0, host.cliIn(ns.path, null, "vserver", g, "stop").code());
        java.nio.file.Path plan = host.cacheDir.resolve(g).resolve("plan");
        var dry = launcherIn(java.util.Map.of(), "--dry-run", plan.resolve("start.plan").toString());
        java.util.List<String> steps = dry.out().lines().skip(1).toList();
        java.util.List<Integer> network = new java.util.ArrayList<>();
        for (int i = 0; i < steps.size(); i++)
            if (steps.get(i).matches("\\s*\\d+ (VETH|NAT|NETNS_CONFIG) .*")) network.add(i);
        assertEquals(3, network.size(), "VETH, NAT and NETNS_CONFIG before the clone:\n" + dry.out());
        String link = "vs" + host.context(g), table = "vs" + host.context(g);
        for (int n : network) {
            String op = steps.get(n).strip().split(" ")[1];
            var r = launcherIn(java.util.Map.of("VSERVER_LAUNCHER_FAIL_STEP", Integer.toString(n)), "--start", plan.toString());
            assertEquals(1, r.code(), op + ": " + r);
            assertTrue(r.err().contains("injected failure") && r.err().contains(": " + op), "names the step: " + r.err());
            assertNoNetworkOf(g, own, link, table, "after a failure at " + op);
        }
        // a kill -9 right after each network step (paused before the next): the next command undoes it
        for (int n : network) {
            var pb = new ProcessBuilder("nsenter", "--net=" + ns.path, TestHost.LAUNCHER.toAbsolutePath().toString(), "--start",
                    plan.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("VSERVER_RUNDIR", host.rundir.toString());
            pb.environment().put("VSERVER_CONFDIR", host.confdir.toString());
            pb.environment().put("VSERVER_LAUNCHER_PAUSE_STEP", Integer.toString(n + 1));
            Process p = pb.start();
            boolean paused = false;
            for (int t = 0; t < 2000 && !paused; t++) {
                paused = p.toHandle().descendants().anyMatch(NetnsNetworkIT::isStopped);
                if (!paused) Thread.sleep(5);
            }
            assertTrue(paused, "paused after step " + n);
            if (steps.get(n).contains(" VETH ")) assertTrue(ns.ip("link").contains(link + "@"), "the veth exists at the kill");
            var rest = p.toHandle().descendants().toList();
            p.destroyForcibly();
            p.waitFor();
            rest.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle h : rest) h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            host.cliIn(ns.path, null, "vserver", g, "stop");
            assertNoNetworkOf(g, own, link, table, "after a kill after step " + n);
        }
    }

    private static void assertNoNetworkOf(String g, String ownBridge, String link, String table, String when) throws Exception {
        String links = ns.ip("link");
        assertFalse(links.contains(link + "@"), "no veth " + when + ": " + links);
        assertFalse(links.contains(ownBridge + ":"), "no bridge of vserver's " + when + ": " + links);
        assertFalse(ns.exec("nft", "list", "tables").contains(table), "no NAT table " + when);
        assertFalse(java.nio.file.Files.exists(host.rundir.resolve(ownBridge + ".bridge")), "no bridge marker " + when);
        host.assertNothingLeftOf(g);
    }

    private static TestHost.Result launcherIn(java.util.Map<String, String> env, String... args) throws Exception {
        return host.launcher(ns.path, env, args);
    }

    private static boolean isStopped(ProcessHandle p) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + p.pid() + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
