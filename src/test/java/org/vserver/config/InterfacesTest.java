package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.GuestConfig.InterfaceConfig;

class InterfacesTest {
    @TempDir Path g;

    private List<InterfaceConfig> read() throws ConfigException {
        return Interfaces.read(new ConfigFiles(g, g.resolveSibling(".defaults")));
    }

    private void assertError(Path file, int line, String message) {
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(file + (line > 0 ? ":" + line : "") + ": " + message, e.getMessage());
    }

    @Test void sortedByDirectoryNameWithMaskAndGuestWideDefaults() throws Exception {
        Fixture.put(g, "interfaces/dev", "br0\n");
        Fixture.put(g, "interfaces/prefix", "16\n");
        Fixture.put(g, "interfaces/10/ip", "10.0.0.10\n");
        Fixture.put(g, "interfaces/02/ip", "10.0.0.2\n");
        Fixture.put(g, "interfaces/02/mask", "255.255.255.128\n");
        Fixture.put(g, "interfaces/02/dev", "eth1\n");
        Fixture.put(g, "interfaces/03/ip", "10.0.0.3\n");
        Fixture.put(g, "interfaces/03/only_ip", "");
        assertEquals(List.of(
                new InterfaceConfig("02", "10.0.0.2", "eth1", 25, null, false, false),
                new InterfaceConfig("03", "10.0.0.3", "br0", 16, null, true, false),
                new InterfaceConfig("10", "10.0.0.10", "br0", 16, null, false, false)), read());
    }

    @Test void prefixWinsOverMask() throws Exception {
        Fixture.put(g, "interfaces/0/ip", "10.0.0.2\n");
        Fixture.put(g, "interfaces/0/prefix", "8\n");
        Fixture.put(g, "interfaces/0/mask", "255.255.255.0\n");
        assertEquals(8, read().getFirst().prefix());
    }

    @Test void errors() {
        Fixture.put(g, "interfaces/00/dev", "eth0\n");
        assertError(g.resolve("interfaces/00"), 0, "interface has no 'ip' file (the address is required)");
        Fixture.put(g, "interfaces/00/ip", "example.org\n");
        assertError(g.resolve("interfaces/00/ip"), 1, "invalid IP address 'example.org' (write the prefix in the 'prefix' file)");
        Fixture.put(g, "interfaces/00/ip", "10.1\n");
        assertError(g.resolve("interfaces/00/ip"), 1, "invalid IP address '10.1' (write the prefix in the 'prefix' file)");
        Fixture.put(g, "interfaces/00/ip", "10.0.0.1/24\n");
        assertError(g.resolve("interfaces/00/ip"), 1, "invalid IP address '10.0.0.1/24' (write the prefix in the 'prefix' file)");
        Fixture.put(g, "interfaces/00/ip", "10.0.0.1\n");
        Fixture.put(g, "interfaces/00/prefix", "33\n");
        assertError(g.resolve("interfaces/00/prefix"), 1, "prefix /33 is too long for 10.0.0.1 (at most 32)");
        Fixture.put(g, "interfaces/00/prefix", "x\n");
        assertError(g.resolve("interfaces/00/prefix"), 1, "invalid prefix length 'x' (expected 0..128)");
        Fixture.put(g, "interfaces/00/prefix", "24\n");
        Fixture.put(g, "interfaces/00/dev", "a-very-long-device-name\n");
        assertError(g.resolve("interfaces/00/dev"), 1,
                "invalid device name 'a-very-long-device-name' (1..15 characters, no '/', ':' or spaces)");
    }

    @Test void masks() {
        assertEquals(24, Interfaces.parseMask("255.255.255.0"));
        assertEquals(0, Interfaces.parseMask("0.0.0.0"));
        assertEquals(32, Interfaces.parseMask("255.255.255.255"));
        assertEquals(-1, Interfaces.parseMask("255.0.255.0"));
        assertEquals(-1, Interfaces.parseMask("255.255"));
    }

    @Test void interfaceSpecs() {
        assertEquals(new InterfaceSpec(null, null, false, "10.0.0.2", null), InterfaceSpec.parse("10.0.0.2"));
        assertEquals(new InterfaceSpec("web", "eth0", false, "10.0.0.2", 24), InterfaceSpec.parse("web=eth0:10.0.0.2/24"));
        assertEquals(new InterfaceSpec(null, "eth0", false, "10.0.0.2", 25), InterfaceSpec.parse("eth0:10.0.0.2/255.255.255.128"));
        assertEquals(new InterfaceSpec(null, null, true, "10.0.0.2", null), InterfaceSpec.parse("nodev:10.0.0.2"));
        assertEquals(new InterfaceSpec(null, null, false, "2001:db8::1", 64), InterfaceSpec.parse("2001:db8::1/64"));
        assertEquals(new InterfaceSpec(null, "eth0", false, "fe80::1", null), InterfaceSpec.parse("eth0:fe80::1"));
        assertEquals(new InterfaceSpec(null, "br0", false, "10.0.0.2", 16),
                InterfaceSpec.parse("10.0.0.2").withDefaults("br0", 16));
        assertEquals(new InterfaceSpec(null, null, true, "10.0.0.2", 24),
                InterfaceSpec.parse("nodev:10.0.0.2/24").withDefaults("br0", 16));
    }

    @Test void interfaceSpecErrors() {
        String tail = " (expected [suffix=][dev:]ip[/prefix|mask])";
        for (var c : List.of(
                List.of("10.0.0.300", "--interface '10.0.0.300': invalid IP address '10.0.0.300'"),
                List.of("eth0:10.0.0.1/33", "--interface 'eth0:10.0.0.1/33': prefix /33 is too long for 10.0.0.1"),
                List.of("10.0.0.1/255.0.255.0", "--interface '10.0.0.1/255.0.255.0': invalid prefix or netmask '255.0.255.0'"),
                List.of("averyveryverylongdev:10.0.0.1", "--interface 'averyveryverylongdev:10.0.0.1': invalid device name 'averyveryverylongdev'"),
                List.of("a b=10.0.0.1", "--interface 'a b=10.0.0.1': invalid name suffix 'a b'"),
                List.of("host.example:10.0.0.1x", "--interface 'host.example:10.0.0.1x': invalid IP address '10.0.0.1x'"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> InterfaceSpec.parse(c.get(0)));
            assertEquals(c.get(1) + tail, e.getMessage());
        }
    }
}
