package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.GuestConfig.InterfaceConfig;

class ConfigWriterTest {
    @TempDir Path confdir;

    private static ConfigWriter.NewGuest guest(OptionalInt ctx, String style, List<String> fstab) {
        return new ConfigWriter.NewGuest("web", ctx, "web.example.org", style, fstab,
                List.of(InterfaceSpec.parse("eth0:192.0.2.5/24"), InterfaceSpec.parse("lan=nodev:10.0.0.5/255.255.0.0"),
                        InterfaceSpec.parse("2001:db8::5").withDefaults("br0", 64)),
                Path.of("/vservers/web"));
    }

    @Test void createsAGuestThatReadsBack() throws Exception {
        var root = new ConfigRoot(confdir);
        Path cfgdir = ConfigWriter.create(root, guest(OptionalInt.of(40000), "plain",
                List.of("none /proc proc defaults 0 0", "none /tmp tmpfs size=16m,mode=1777 0 0")));
        assertEquals(confdir.resolve("web"), cfgdir);
        assertEquals("web\n", Fixture.read(cfgdir.resolve("name")));
        assertEquals("40000\n", Fixture.read(cfgdir.resolve("context")));
        assertEquals("web.example.org\n", Fixture.read(cfgdir.resolve("uts/nodename")));
        assertEquals("plain\n", Fixture.read(cfgdir.resolve("apps/init/style")));
        assertEquals("none /proc proc defaults 0 0\nnone /tmp tmpfs size=16m,mode=1777 0 0\n", Fixture.read(cfgdir.resolve("fstab")));
        assertEquals("192.0.2.5\n", Fixture.read(cfgdir.resolve("interfaces/00/ip")));
        assertEquals("eth0\n", Fixture.read(cfgdir.resolve("interfaces/00/dev")));
        assertEquals("24\n", Fixture.read(cfgdir.resolve("interfaces/00/prefix")));
        assertEquals(Path.of("/vservers/web"), Files.readSymbolicLink(cfgdir.resolve("vdir")));

        GuestConfig c = ConfigDir.read(root, "web");
        assertEquals(40000, c.context().getAsInt());
        assertEquals("plain", c.init().style());
        assertEquals(2, c.fstab().size());
        assertEquals(List.of(new InterfaceConfig("00", "192.0.2.5", "eth0", 24, null, false, false),
                new InterfaceConfig("01", "10.0.0.5", null, 16, "lan", true, false),
                new InterfaceConfig("02", "2001:db8::5", "br0", 64, null, false, false)), c.interfaces());
        try (var s = Files.list(confdir)) {   // the temporary directory was renamed, not left behind
            assertEquals(List.of(cfgdir), s.toList());
        }
    }

    @Test void withoutOptionalValues() throws Exception {
        var root = new ConfigRoot(confdir);
        var g = new ConfigWriter.NewGuest("db", OptionalInt.empty(), null, null, List.of(), List.of(), Path.of("/vservers/db"));
        Path cfgdir = ConfigWriter.create(root, g);
        assertFalse(Files.exists(cfgdir.resolve("context")));
        assertEquals("", Fixture.read(cfgdir.resolve("fstab")));
        assertEquals("sysv", ConfigDir.read(root, "db").init().style());
    }

    @Test void refusesExistingGuestsAndBadValuesLeavingNothing() throws Exception {
        var root = new ConfigRoot(confdir);
        ConfigWriter.create(root, guest(OptionalInt.of(40000), null, List.of()));
        var e = assertThrows(ConfigException.class, () -> ConfigWriter.create(root, guest(OptionalInt.of(40001), null, List.of())));
        assertEquals(confdir.resolve("web") + ": guest configuration already exists", e.getMessage());
        Files.walk(confdir.resolve("web")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

        e = assertThrows(ConfigException.class, () -> ConfigWriter.create(root, guest(OptionalInt.of(1), null, List.of())));
        assertEquals(confdir.resolve("web/context") + ":1: invalid context '1': expected a number 2..65535 (0 is the host, 1 the spectator)",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigWriter.create(root, guest(OptionalInt.empty(), "upstart", List.of())));
        assertTrue(e.getMessage().startsWith(confdir.resolve("web/apps/init/style") + ":1: unknown init style 'upstart'"));
        e = assertThrows(ConfigException.class, () -> ConfigWriter.create(root, guest(OptionalInt.empty(), null,
                List.of("none /proc proc defaults", "none tmp tmpfs defaults"))));
        assertEquals(confdir.resolve("web/fstab") + ":2: fstab target 'tmp' must be an absolute path in the guest", e.getMessage());
        try (var s = Files.list(confdir)) {
            assertEquals(List.of(), s.toList());
        }
    }
}
