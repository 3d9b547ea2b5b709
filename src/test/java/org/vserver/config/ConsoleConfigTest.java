package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code console/size}: the guest's, else .defaults', else 1 MiB; a cap always, never below a page. */
class ConsoleConfigTest {
    @TempDir Path confdir;

    private Path g() { return confdir.resolve("web"); }

    private ConsoleConfig read() throws ConfigException { return ConfigDir.read(new ConfigRoot(confdir), "web").console(); }

    private void assertError(Path file, String message) {
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(file + ":1: " + message, e.getMessage());
    }

    @Test void noFileMeansOneMebibyte() throws Exception {
        Files.createDirectories(g());
        assertEquals(new ConsoleConfig(1 << 20), read());
        assertEquals("1024k", read().tmpfsSize());
    }

    @Test void defaultsApplyAndTheGuestsOwnFileWins() throws Exception {
        Files.createDirectories(g());
        Fixture.put(confdir.resolve(".defaults"), "console/size", "4M\n");
        assertEquals(4L << 20, read().size());
        Fixture.put(g(), "console/size", "64K\n");
        assertEquals(64L << 10, read().size());
        Fixture.put(g(), "console/size", "10000\n");
        assertEquals("10000", read().tmpfsSize(), "bytes where the size is no multiple of 1024");
    }

    @Test void aConsoleWithoutCapOrBelowAPageIsRefusedNamingFileAndLine() throws Exception {
        String forms = "bytes, optionally with k/m/g (x1000) or K/M/G (x1024), at least 4096, e.g. 1M";
        Path f = g().resolve("console/size");
        Fixture.put(g(), "console/size", "inf\n");
        assertError(f, "the console must have a cap: a guest could fill the host's memory through it (expected " + forms + ")");
        Fixture.put(g(), "console/size", "0\n");
        assertError(f, "console size '0' is below one page (expected " + forms + ")");
        Fixture.put(g(), "console/size", "1k\n");
        assertError(f, "console size '1k' is below one page (expected " + forms + ")");
        Fixture.put(g(), "console/size", "big\n");
        assertError(f, "invalid console size 'big' (expected " + forms + ")");
        Fixture.put(g(), "console/size", "-1\n");
        assertError(f, "invalid console size '-1' (expected " + forms + ")");
    }

    @Test void anErrorInDefaultsNamesTheDefaultsFile() throws Exception {
        Files.createDirectories(g());
        Fixture.put(confdir.resolve(".defaults"), "console/size", "0\n");
        assertThrows(ConfigException.class, this::read);
        var e = assertThrows(ConfigException.class, this::read);
        assertTrue(e.getMessage().startsWith(confdir.resolve(".defaults/console/size") + ":1: "), e.getMessage());
    }

    @Test void configSetChecksTheValueAsStartWould() throws Exception {
        Fixture.guest(confdir, "db");
        var flat = FlatConfig.open(new ConfigRoot(confdir), "db");
        flat.set("console.size", "256K");
        assertEquals(confdir.resolve("db/console/size"), flat.file("console.size"));
        assertEquals(256L << 10, ConfigDir.read(new ConfigRoot(confdir), "db").console().size());
        var e = assertThrows(ConfigException.class, () -> flat.set("console.size", "inf"));
        assertTrue(e.getMessage().contains("the console must have a cap"), e.getMessage());
        assertEquals(256L << 10, ConfigDir.read(new ConfigRoot(confdir), "db").console().size(), "a refused value is not written");
    }
}
