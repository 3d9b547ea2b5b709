package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.NetworkConfig.Mode;

class NetworkConfigTest {
    @TempDir Path g;

    private NetworkConfig read() throws ConfigException {
        var files = new ConfigFiles(g, g.resolveSibling(".defaults"));
        return Interfaces.network(files, Interfaces.read(files));
    }

    private void assertError(String file, String message) {
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(g.resolve(file) + ":1: " + message, e.getMessage());
    }

    @Test void withoutAddressesTheGuestHasOnlyLoopback() throws Exception {
        assertEquals(NetworkConfig.NONE, read());
        Fixture.put(g, "interfaces/00/ip", "10.0.0.2\n");
        Fixture.put(g, "interfaces/00/disabled", "");
        assertEquals(Mode.NONE, read().mode(), "a disabled address is no address");
    }

    @Test void anAddressMeansSharedUnlessAModeIsGiven() throws Exception {
        Fixture.put(g, "interfaces/00/ip", "10.0.0.2\n");
        assertEquals(Mode.SHARED, read().mode());
        for (Mode m : Mode.values()) {
            Fixture.put(g, "interfaces/mode", m.word() + "\n");
            assertEquals(m, read().mode());
        }
    }

    @Test void everyFileRead() throws Exception {
        Fixture.put(g, "interfaces/mode", "netns\n");
        Fixture.put(g, "interfaces/lback", "127.9.9.9\n");
        Fixture.put(g, "interfaces/bcast", "10.0.0.255\n");
        Fixture.put(g, "interfaces/bridge", "br-guests\n");
        Fixture.put(g, "interfaces/gateway", "10.0.0.1\n# v6 too\nfd00::1\n");
        Fixture.put(g, "interfaces/nat", "");
        Fixture.put(g, "interfaces/mtu", "9000\n");
        Fixture.put(g, "interfaces/lback.allow", "127.0.0.53:53\n");
        assertEquals(new NetworkConfig(Mode.NETNS, InetAddress.ofLiteral("127.9.9.9"), List.of(LoopbackAllow.parse("127.0.0.53:53")),
                InetAddress.ofLiteral("10.0.0.255"),
                "br-guests", List.of(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("fd00::1")), true, 9000), read());
    }

    @Test void errorsNameTheFileAndLine() {
        Fixture.put(g, "interfaces/mode", "bridged\n");
        assertError("interfaces/mode", "unknown network mode 'bridged' (expected shared, netns, host or none)");
        Fixture.put(g, "interfaces/mode", "shared\n");
        Fixture.put(g, "interfaces/lback", "10.0.0.1\n");
        assertError("interfaces/lback", "lback must be an IPv4 loopback address (127.0.0.0/8), not 10.0.0.1");
        Fixture.put(g, "interfaces/lback", "127.0.0.2\n");
        Fixture.put(g, "interfaces/bridge", "a/b\n");
        assertError("interfaces/bridge", "invalid device name 'a/b' (1..15 characters, no '/', ':' or spaces)");
        Fixture.put(g, "interfaces/bridge", "vnet1\n");
        Fixture.put(g, "interfaces/gateway", "gw.example.org\n");
        assertError("interfaces/gateway", "invalid IP address 'gw.example.org' (write the prefix in the 'prefix' file)");
        Fixture.put(g, "interfaces/gateway", "10.0.0.1\n");
        Fixture.put(g, "interfaces/mtu", "70000\n");
        assertError("interfaces/mtu", "invalid MTU '70000' (68..65535)");
    }

    @Test void oneGatewayPerFamily() {
        Fixture.put(g, "interfaces/gateway", "10.0.0.1\n10.0.0.254\n");
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(g.resolve("interfaces/gateway") + ":2: a second IPv4 gateway (one per family)", e.getMessage());
    }

    @Test void lbackAllowIsOneEntryPerLine() throws Exception {
        assertEquals(List.of(), read().lbackAllow(), "without the file: no other loopback destination");
        Fixture.put(g, "interfaces/lback.allow", """
                # the host's resolver
                127.0.0.53:53

                127.0.0.9
                127.20.0.0/16:5432
                127.0.0.9
                """);
        assertEquals(List.of(LoopbackAllow.parse("127.0.0.53:53"), LoopbackAllow.parse("127.0.0.9"),
                LoopbackAllow.parse("127.20.0.0/16:5432")), read().lbackAllow(), "in file order, once each");
        var e = read().lbackAllow().get(2);
        assertEquals(InetAddress.ofLiteral("127.20.0.0"), e.address());
        assertEquals(16, e.prefix());
        assertEquals(5432, e.port());
        assertEquals("127.20.0.0/16:5432", e.toString());
    }

    @Test void lbackAllowOfDefaultsUnlessTheGuestHasItsOwn(@TempDir Path defaults) throws Exception {
        var files = new ConfigFiles(g, defaults);
        Fixture.put(defaults, "interfaces/lback.allow", "127.0.0.53:53\n");
        assertEquals(List.of(LoopbackAllow.parse("127.0.0.53:53")), Interfaces.network(files, List.of()).lbackAllow(), "the host-wide list");
        Fixture.put(g, "interfaces/lback.allow", "127.0.0.9\n");
        assertEquals(List.of(LoopbackAllow.parse("127.0.0.9")), Interfaces.network(files, List.of()).lbackAllow(), "the guest's replaces it");
        Fixture.put(g, "interfaces/lback.allow", "");
        assertEquals(List.of(), Interfaces.network(files, List.of()).lbackAllow(), "an empty one lists nothing");
    }

    @Test void atMostMaxEntries() {
        var s = new StringBuilder();
        for (int i = 0; i <= LoopbackAllow.MAX; i++) s.append("127.1.").append(i / 250).append('.').append(i % 250 + 1).append('\n');
        Fixture.put(g, "interfaces/lback.allow", s.toString());
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(g.resolve("interfaces/lback.allow") + ":" + (LoopbackAllow.MAX + 1) + ": more than " + LoopbackAllow.MAX
                + " entries (each is a few instructions of every connect); list a range instead", e.getMessage());
    }

    @Test void aBadLbackAllowLineIsNamedWithItsLine() {
        String[][] cases = {
                {"10.0.0.1", "10.0.0.1 is not a loopback address (127.0.0.0/8): only those are restricted, any other address needs no entry"},
                {"127.0.0.53:0", "invalid port '0' in '127.0.0.53:0' (1..65535)"},
                {"127.0.0.53:65536", "invalid port '65536' in '127.0.0.53:65536' (1..65535)"},
                {"127.0.0.53:dns", "invalid port 'dns' in '127.0.0.53:dns' (1..65535)"},
                {"127.0.0.0/4", "invalid prefix '/4' in '127.0.0.0/4' (8..32)"},
                {"127.0.0.9/24", "'127.0.0.9/24' has host bits set: write the range as 127.0.0.0/24"},
                {"localhost", "invalid entry 'localhost' (expected ADDR[/PREFIX][:PORT], e.g. 127.0.0.53:53)"},
                {"127.1", "invalid entry '127.1' (expected ADDR[/PREFIX][:PORT], e.g. 127.0.0.53:53)"},
                {"::1", "'::1' is IPv6: its only loopback address, ::1, is the guest's own (lback6);"
                        + " list IPv4 addresses of 127.0.0.0/8 (an IPv6 socket reaches them as ::ffff:127.x.y.z)"},
                {"127.0.0.1", "127.0.0.1 always means the guest's own lback (it is rewritten before any entry applies);"
                        + " give the host's service another loopback address, e.g. 127.0.0.2, and list that"},
        };
        for (String[] c : cases) {
            Fixture.put(g, "interfaces/lback.allow", "# comment\n127.0.0.53\n" + c[0] + "\n");
            var e = assertThrows(ConfigException.class, this::read, c[0]);
            assertEquals(g.resolve("interfaces/lback.allow") + ":3: " + c[1], e.getMessage());
        }
    }

    @Test void defaultLoopbackIsPerXidAndNeverTheHosts() {
        assertEquals(InetAddress.ofLiteral("127.156.65.1"), NetworkConfig.defaultLback(40001));
        assertEquals(InetAddress.ofLiteral("127.0.2.1"), NetworkConfig.defaultLback(2));
        assertNotEquals(NetworkConfig.defaultLback(40001), NetworkConfig.defaultLback(40002));
    }
}
