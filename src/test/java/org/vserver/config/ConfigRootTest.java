package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigRootTest {
    @TempDir Path dir;

    @Test void optionBeatsEnvironmentBeatsDefault() {
        var env = Map.of("VSERVER_CONFDIR", "/tmp/from-env");
        assertEquals(Path.of("/tmp/opt"), ConfigRoot.fromEnvironment(Optional.of(Path.of("/tmp/opt")), env).confdir());
        assertEquals(Path.of("/tmp/from-env"), ConfigRoot.fromEnvironment(Optional.empty(), env).confdir());
        assertEquals(Path.of("/etc/vservers"), ConfigRoot.fromEnvironment(Optional.empty(), Map.of()).confdir());
        assertEquals(Path.of("/etc/vservers"),
                ConfigRoot.fromEnvironment(Optional.empty(), Map.of("VSERVER_CONFDIR", "")).confdir());
    }

    @Test void derivedPaths() throws Exception {
        var root = new ConfigRoot(dir);
        assertEquals(dir.resolve(".defaults"), root.defaultsDir());
        assertEquals(dir.resolve("web1"), root.guestDir("web1"));
    }

    @Test void guestNamesAreValidated() {
        var root = new ConfigRoot(dir);
        for (String bad : List.of("", "..", ".hidden", "a/b", "-x", "a b", "x".repeat(65), "../etc")) {
            var e = assertThrows(ConfigException.class, () -> root.guestDir(bad), bad);
            assertTrue(e.getMessage().startsWith(dir + ": invalid guest name '" + bad + "'"), e.getMessage());
        }
        assertDoesNotThrow(() -> root.guestDir("a".repeat(64)));
        assertDoesNotThrow(() -> root.guestDir("web-1.example_2"));
    }

    @Test void vdirBaseDefaultsLinkAndFile() throws Exception {
        var root = new ConfigRoot(dir);
        assertEquals(Path.of("/vservers"), root.vdirBase());
        Files.createDirectories(root.defaultsDir());
        Files.createSymbolicLink(root.defaultsDir().resolve("vdirbase"), Path.of("/srv/guests"));
        assertEquals(Path.of("/srv/guests"), root.vdirBase());
        Files.delete(root.defaultsDir().resolve("vdirbase"));
        Files.createSymbolicLink(root.defaultsDir().resolve("vdirbase"), Path.of("../roots"));
        assertEquals(dir.resolve("roots"), root.vdirBase());
        Files.delete(root.defaultsDir().resolve("vdirbase"));
        Fixture.put(root.defaultsDir(), "vdirbase", "/data/vs\n");
        assertEquals(Path.of("/data/vs"), root.vdirBase());
        Fixture.put(root.defaultsDir(), "vdirbase", "relative\n");
        var e = assertThrows(ConfigException.class, root::vdirBase);
        assertEquals(root.defaultsDir().resolve("vdirbase") + ":1: vdirbase must be an absolute path, got 'relative'",
                e.getMessage());
    }

    @Test void guestNamesSkipDotDirsFilesAndForceBackups() throws Exception {
        var root = new ConfigRoot(dir);
        assertEquals(List.of(), new ConfigRoot(dir.resolve("missing")).guestNames());
        Files.createDirectories(dir.resolve(".defaults"));
        Files.createDirectories(dir.resolve("b"));
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("a.~1700000000~"));
        Fixture.put(dir, "notadir", "");
        assertEquals(List.of("a", "b"), root.guestNames());
    }

    @Test void cgroupParent() throws Exception {
        var root = new ConfigRoot(dir);
        assertEquals("vservers", root.cgroupParent());
        Fixture.put(root.defaultsDir(), "cgroup/base", "test-run-7\n");
        assertEquals("test-run-7", root.cgroupParent());
        Fixture.put(root.defaultsDir(), "cgroup/base", "/machine/vs\n");
        assertEquals("machine/vs", root.cgroupParent());
        Fixture.put(root.defaultsDir(), "cgroup/base", "../escape\n");
        var e = assertThrows(ConfigException.class, root::cgroupParent);
        assertTrue(e.getMessage().startsWith(root.defaultsDir().resolve("cgroup/base") + ":1: invalid cgroup base"), e.getMessage());
    }
}
