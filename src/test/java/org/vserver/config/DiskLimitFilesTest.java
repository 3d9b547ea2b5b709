package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskLimitFilesTest {
    @TempDir Path cfgdir;

    private void assertError(Path file, int line, String message) {
        var e = assertThrows(ConfigException.class, () -> DiskLimitFiles.read(cfgdir));
        assertEquals(file + (line > 0 ? ":" + line : "") + ": " + message, e.getMessage());
        assertEquals(file, e.file());
    }

    @Test void noDirectoryMeansNoLimits() throws Exception {
        assertEquals(List.of(), DiskLimitFiles.read(cfgdir));
    }

    @Test void util_vserverFilesWithDefaultsAndSuffixes() throws Exception {
        Fixture.put(cfgdir, "dlimits/0/directory", "/vservers/web/\n");
        Fixture.put(cfgdir, "dlimits/0/space_total", "1000000\n");
        Fixture.put(cfgdir, "dlimits/0/inodes_total", "65536\n");
        Fixture.put(cfgdir, "dlimits/0/reserved", "2\n");
        Fixture.put(cfgdir, "dlimits/1/directory", "/srv/data");
        Fixture.put(cfgdir, "dlimits/1/space_total", "2G");
        Fixture.put(cfgdir, "dlimits/.editor-tmp", "");
        assertEquals(List.of(
                new DiskLimit("0", Path.of("/vservers/web"), OptionalLong.of(1_000_000), OptionalLong.of(65536), 2),
                new DiskLimit("1", Path.of("/srv/data"), OptionalLong.of(2L * 1024 * 1024), OptionalLong.empty(), 5)),
                DiskLimitFiles.read(cfgdir));
    }

    @Test void unknownFileIsNamed() {
        Fixture.put(cfgdir, "dlimits/0/directory", "/v");
        Fixture.put(cfgdir, "dlimits/0/space_used", "12");
        assertError(cfgdir.resolve("dlimits/0/space_used"), 0,
                "unknown disk limit setting: known are directory, space_total, inodes_total, reserved");
    }

    @Test void missingDirectory() {
        Fixture.put(cfgdir, "dlimits/0/space_total", "100M");
        assertError(cfgdir.resolve("dlimits/0/directory"), 0, "missing: every dlimits/ID names the directory its limit applies to");
    }

    @Test void relativeOrEmptyDirectory() {
        Fixture.put(cfgdir, "dlimits/0/directory", "vservers/web");
        assertError(cfgdir.resolve("dlimits/0/directory"), 1, "expected an absolute path, got 'vservers/web'");
        Fixture.put(cfgdir, "dlimits/0/directory", "\n");
        assertError(cfgdir.resolve("dlimits/0/directory"), 1, "empty value");
    }

    @Test void badNumbersNameTheFileAndLine() {
        Fixture.put(cfgdir, "dlimits/x/directory", "/v");
        Fixture.put(cfgdir, "dlimits/x/space_total", "-5");
        assertError(cfgdir.resolve("dlimits/x/space_total"), 1,
                "expected a size in KiB (a number, optionally with K, M, G or T), got '-5'");
        Fixture.put(cfgdir, "dlimits/x/space_total", "10");
        Fixture.put(cfgdir, "dlimits/x/inodes_total", "lots");
        assertError(cfgdir.resolve("dlimits/x/inodes_total"), 1, "expected a number of inodes (0 or more), got 'lots'");
        Fixture.put(cfgdir, "dlimits/x/inodes_total", "-1");
        assertError(cfgdir.resolve("dlimits/x/inodes_total"), 1, "expected a number of inodes (0 or more), got '-1'");
        Fixture.put(cfgdir, "dlimits/x/inodes_total", "10");
        Fixture.put(cfgdir, "dlimits/x/reserved", "100");
        assertError(cfgdir.resolve("dlimits/x/reserved"), 1, "expected a percentage 0..99 kept for root, got '100'");
    }

    @Test void aFileWhereAnIdDirectoryBelongs() {
        Fixture.put(cfgdir, "dlimits/0", "/v");
        assertError(cfgdir.resolve("dlimits/0"), 0,
                "expected a directory dlimits/ID holding directory, space_total, inodes_total, reserved");
    }

    @Test void twoLimitsOnOneDirectory() {
        Fixture.put(cfgdir, "dlimits/0/directory", "/v/web");
        Fixture.put(cfgdir, "dlimits/1/directory", "/v/web/");
        assertError(cfgdir.resolve("dlimits/1/directory"), 1, "a second limit on /v/web, already limited by "
                + cfgdir.resolve("dlimits/0/directory") + ": remove one of the two dlimits/ directories");
    }

    @Test void parseSpace() {
        assertEquals(0, DiskLimitFiles.parseSpace("0"));
        assertEquals(1234, DiskLimitFiles.parseSpace(" 1234 "));
        assertEquals(7, DiskLimitFiles.parseSpace("7K"));
        assertEquals(1024, DiskLimitFiles.parseSpace("1M"));
        assertEquals(1024, DiskLimitFiles.parseSpace("1m"));
        assertEquals(3L << 20, DiskLimitFiles.parseSpace("3G"));
        assertEquals(2L << 30, DiskLimitFiles.parseSpace("2t"));
        for (String bad : List.of("", "-1", "1.5G", "1MiB", "G", "1 M", "0x10"))
            assertThrows(IllegalArgumentException.class, () -> DiskLimitFiles.parseSpace(bad), bad);
        var e = assertThrows(IllegalArgumentException.class, () -> DiskLimitFiles.parseSpace("9999999999999999999T"));
        assertEquals("size '9999999999999999999T' is too large", e.getMessage());
    }

    @Test void writeReadRemove() throws Exception {
        var a = new DiskLimit("0", Path.of("/v/web"), OptionalLong.of(1 << 20), OptionalLong.of(1000), 5);
        var b = new DiskLimit("1", Path.of("/v/db"), OptionalLong.empty(), OptionalLong.empty(), 0);
        DiskLimitFiles.write(cfgdir, a);
        DiskLimitFiles.write(cfgdir, b);
        assertEquals("/v/web\n", Fixture.read(cfgdir.resolve("dlimits/0/directory")));
        assertEquals("1048576\n", Fixture.read(cfgdir.resolve("dlimits/0/space_total")));
        assertEquals(List.of(a, b), DiskLimitFiles.read(cfgdir));
        assertEquals("2", DiskLimitFiles.newId(cfgdir));

        // a total no longer set loses its file
        var a2 = new DiskLimit("0", Path.of("/v/web"), OptionalLong.of(2048), OptionalLong.empty(), 5);
        DiskLimitFiles.write(cfgdir, a2);
        assertFalse(Files.exists(cfgdir.resolve("dlimits/0/inodes_total")));
        assertEquals(List.of(a2, b), DiskLimitFiles.read(cfgdir));

        assertTrue(DiskLimitFiles.remove(cfgdir, Path.of("/v/web/")));
        assertFalse(Files.exists(cfgdir.resolve("dlimits/0")));
        assertFalse(DiskLimitFiles.remove(cfgdir, Path.of("/v/web")));
        assertEquals(List.of(b), DiskLimitFiles.read(cfgdir));
        assertEquals("0", DiskLimitFiles.newId(cfgdir));
    }

    @Test void writerRefusesWhatCannotBeRead() {
        assertThrows(IllegalArgumentException.class, () -> DiskLimitFiles.write(cfgdir,
                new DiskLimit("../x", Path.of("/v"), OptionalLong.empty(), OptionalLong.empty(), 5)));
        assertThrows(IllegalArgumentException.class, () -> DiskLimitFiles.write(cfgdir,
                new DiskLimit("0", Path.of("v"), OptionalLong.empty(), OptionalLong.empty(), 5)));
        assertThrows(IllegalArgumentException.class, () -> new DiskLimit("0", Path.of("/v"), OptionalLong.empty(), OptionalLong.empty(), 100));
    }
}
