package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestConfig;
import org.vserver.kernel.Capability;

class NetworkPlannerTest {
    @TempDir Path confdir;

    private GuestConfig guest(String... files) throws IOException, ConfigException {
        Path g = confdir.resolve("web");
        Files.createDirectories(g);
        for (int i = 0; i < files.length; i += 2) {
            Path f = g.resolve(files[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, files[i + 1]);
        }
        return ConfigDir.read(new ConfigRoot(confdir), "web");
    }

    private static NetworkPlan plan(GuestConfig cfg) throws ConfigException {
        return NetworkPlanner.plan(cfg, 40001, Set.of(Capability.CHOWN, Capability.NET_BIND_SERVICE), 0xab);
    }

    private static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    private static Inet6Address v6(String s) { return (Inet6Address) InetAddress.ofLiteral(s); }

    @Test void noAddressesNoNetwork() throws Exception {
        assertEquals(new NetworkPlan.None(), plan(guest()));
        assertTrue(plan(guest()).ownNamespace());
        assertEquals(new NetworkPlan.Host(), plan(guest("interfaces/mode", "host\n")));
        assertFalse(plan(guest("interfaces/mode", "host\n")).ownNamespace());
    }

    @Test void sharedAddsAddressesWithADeviceAndBindsToAll() throws Exception {
        var cfg = guest("interfaces/dev", "lo\n",
                "interfaces/00/ip", "127.77.0.1\n", "interfaces/00/name", "web\n",
                "interfaces/01/ip", "127.77.0.2\n", "interfaces/01/prefix", "8\n",
                "interfaces/02/ip", "127.77.0.3\n", "interfaces/02/nodev", "",
                "interfaces/03/ip", "fd00::3\n",
                "interfaces/04/ip", "127.77.0.4\n", "interfaces/04/disabled", "");
        var p = (NetworkPlan.Shared) plan(cfg);
        assertFalse(p.ownNamespace());
        assertEquals(List.of(
                new NetworkPlan.HostAddress("lo", v4("127.77.0.1"), 32, "lo:web"),
                new NetworkPlan.HostAddress("lo", v4("127.77.0.2"), 8, null),
                new NetworkPlan.HostAddress("lo", v6("fd00::3"), 128, null)), p.hostAddresses());
        assertEquals(new BindPolicy(List.of(v4("127.77.0.1"), v4("127.77.0.2"), v4("127.77.0.3")), List.of(v6("fd00::3")),
                v4("127.156.65.1"), null, List.of(), true, 40001, v6("fd7f:7673::7f9c:4101"), -1), p.policy(),
                "steered by the XID; ::1 is lback6, the IPv6 form of lback");
    }

    @Test void sharedWithoutDeviceOnlyBinds() throws Exception {
        var p = (NetworkPlan.Shared) plan(guest("interfaces/00/ip", "192.0.2.5\n", "interfaces/lback", "127.1.2.3\n",
                "interfaces/bcast", "192.0.2.255\n"));
        assertEquals(List.of(), p.hostAddresses());
        assertEquals(new BindPolicy(List.of(v4("192.0.2.5")), List.of(), v4("127.1.2.3"), v4("192.0.2.255"), List.of(), true,
                40001, v6("fd7f:7673::7f01:203"), -1), p.policy());
    }

    @Test void privilegedPortsOnlyWithCapNetBindServiceInTheBoundingSet() throws Exception {
        var cfg = guest("interfaces/00/ip", "192.0.2.5\n");
        var kept = (NetworkPlan.Shared) plan(cfg);
        assertTrue(kept.policy().privilegedPorts(), "VServer's default set keeps it: the guest's web server binds port 80");
        assertTrue(NetworkPlanText.render(kept).contains("  ports below 1024: allowed on these (CAP_NET_BIND_SERVICE in bcapabilities)\n"),
                NetworkPlanText.render(kept));
        var dropped = (NetworkPlan.Shared) NetworkPlanner.plan(cfg, 40001, Set.of(Capability.CHOWN), 0xab);
        assertFalse(dropped.policy().privilegedPorts(), "bcapabilities without it: refused as before");
        assertTrue(NetworkPlanText.render(dropped).contains("  ports below 1024: need CAP_NET_BIND_SERVICE"), NetworkPlanText.render(dropped));
    }

    @Test void sharedCarriesTheLbackAllowListAndThePlanShowsIt() throws Exception {
        var p = (NetworkPlan.Shared) plan(guest("interfaces/00/ip", "192.0.2.5\n", "interfaces/lback.allow", "127.0.0.53:53\n127.10.0.0/16\n"));
        assertEquals(List.of(LoopbackAllow.parse("127.0.0.53:53"), LoopbackAllow.parse("127.10.0.0/16")), p.policy().lbackAllow());
        String text = NetworkPlanText.render(p);
        assertTrue(text.contains("  connect 127.0.0.1 -> 127.156.65.1 (lback), ::1 -> fd7f:7673::7f9c:4101 (lback6)\n"), text);
        assertTrue(text.contains("  bind ::1 -> fd7f:7673::7f9c:4101 (lback6, added to lo)\n"), text);
        assertTrue(text.contains("  a wildcard TCP listener also answers on: every address above, lback and lback6 (sk_lookup, xid 40001)\n"), text);
        assertTrue(text.contains("  may reach in 127.0.0.0/8: 127.156.65.1 127.0.0.53:53 127.10.0.0/16 (with interfaces/lback.allow);"
                + " any other loopback destination: EPERM\n"), text);
        var none = (NetworkPlan.Shared) plan(guest("interfaces/00/ip", "127.77.0.1\n", "interfaces/lback.allow", "# nothing yet\n"));
        assertEquals(List.of(), none.policy().lbackAllow());
        text = NetworkPlanText.render(none);
        assertTrue(text.contains("  may reach in 127.0.0.0/8: 127.156.65.1 127.77.0.1 (interfaces/lback.allow: none);"
                + " any other loopback destination: EPERM\n"), "its own loopback addresses too: " + text);
    }

    @Test void netnsGetsAVethWithStableMacAndDefaultPrefixes() throws Exception {
        var cfg = guest("interfaces/mode", "netns\n", "interfaces/00/ip", "10.5.0.2\n", "interfaces/01/ip", "fd05::2\n",
                "interfaces/02/ip", "10.6.0.2\n", "interfaces/02/prefix", "16\n", "interfaces/bridge", "br7\n");
        var p = (NetworkPlan.Netns) plan(cfg);
        assertEquals("br7", p.bridge());
        assertEquals("vs40001", p.hostLink());
        assertEquals("eth0", p.guestLink());
        assertEquals(List.of(new NetworkPlan.GuestAddress(v4("10.5.0.2"), 24), new NetworkPlan.GuestAddress(v6("fd05::2"), 64),
                new NetworkPlan.GuestAddress(v4("10.6.0.2"), 16)), p.addresses());
        assertArrayEquals(new byte[] {0x02, 0x56, 0x53, (byte) 0xab, (byte) 0x9c, 0x41}, p.spoof().mac());
        assertEquals(List.of(v4("10.5.0.2"), v4("10.6.0.2")), p.spoof().v4());
        assertEquals(List.of(v6("fd05::2")), p.spoof().v6());
        assertEquals(List.of(), p.gateways());
        assertFalse(p.nat());
        assertNull(p.mtu(), "the bridge's");
    }

    @Test void isolatedModesRefuseNetworkCapabilities() throws Exception {
        var cfg = guest("interfaces/00/ip", "192.0.2.5\n");
        var e = assertThrows(ConfigException.class,
                () -> NetworkPlanner.plan(cfg, 40001, Set.of(Capability.NET_ADMIN), 0));
        assertEquals(cfg.cfgdir().resolve("bcapabilities") + ": CAP_NET_ADMIN would let guest 'web' change its addresses and routes,"
                + " which its network mode shared forbids; remove it, or set interfaces/mode to host", e.getMessage());
        var netns = guest("interfaces/mode", "netns\n");
        assertThrows(ConfigException.class, () -> NetworkPlanner.plan(netns, 40001, Set.of(Capability.NET_RAW), 0));
        var host = guest("interfaces/mode", "host\n");
        assertEquals(new NetworkPlan.Host(), NetworkPlanner.plan(host, 40001, Set.of(Capability.NET_ADMIN, Capability.NET_RAW), 0));
    }

    @Test void aLabelLongerThanTheKernelAllowsIsRefused() throws Exception {
        var cfg = guest("interfaces/00/ip", "192.0.2.5\n", "interfaces/00/dev", "enp0s31f6\n", "interfaces/00/name", "webserver\n");
        var e = assertThrows(ConfigException.class, () -> plan(cfg));
        assertTrue(e.getMessage().contains("interfaces/00/name: the address label 'enp0s31f6:webserver' is longer"), e.getMessage());
    }

    @Test void hostByteFromMachineId(@TempDir Path d) throws Exception {
        Files.writeString(d.resolve("machine-id"), "3fa85f6457174562b3fc2c963f66afa6\n");
        assertEquals(0x3f, NetworkPlanner.hostByte(d.resolve("machine-id")));
        assertEquals(0, NetworkPlanner.hostByte(d.resolve("absent")));
    }
}
