package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.FstabEntry;

class FstabTest {
    private static final Path F = Path.of("/etc/vservers/g/fstab");

    private static List<FstabEntry> parse(String text) throws ConfigException {
        return Fstab.parse(ConfigFiles.Content.of(F, text));
    }

    private static void assertError(String text, int line, String message) {
        var e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(F + ":" + line + ": " + message, e.getMessage());
    }

    @Test void packagedDefault() throws Exception {
        var entries = parse("""
                none\t/proc\t\tproc\tdefaults\t\t0 0
                none\t/tmp\t\ttmpfs\tsize=16m,mode=1777\t0 0
                # devpts
                none /dev/pts devpts gid=5,mode=620 0 0
                """);
        assertEquals(List.of(
                new FstabEntry("none", "/proc", "proc", List.of("defaults"), 1),
                new FstabEntry("none", "/tmp", "tmpfs", List.of("size=16m", "mode=1777"), 2),
                new FstabEntry("none", "/dev/pts", "devpts", List.of("gid=5", "mode=620"), 4)), entries);
    }

    @Test void bindMountWithoutDumpPassAndEscapes() throws Exception {
        var e = parse("/srv/my\\040data /mnt/data none bind,ro\n").getFirst();
        assertEquals("/srv/my data", e.source());
        assertEquals("/mnt/data", e.target());
        assertEquals(List.of("bind", "ro"), e.options());
    }

    @Test void errors() {
        assertError("none /proc proc defaults\nnone /tmp tmpfs\n", 2,
                "fstab line needs 'spec file vfstype options [dump pass]', got 3 fields");
        assertError("none\n", 1, "fstab line needs 'spec file vfstype options [dump pass]', got 1 field");
        assertError("none proc proc defaults\n", 1, "fstab target 'proc' must be an absolute path in the guest");
        assertError("\n\nnone /mnt/../../etc tmpfs defaults\n", 3, "fstab target '/mnt/../../etc' must not contain '..'");
        assertError("none /a tmpfs defaults x 0\n", 1, "fstab dump must be a number, got 'x'");
        assertError("none /a tmpfs defaults 0 0 extra\n", 1, "fstab line has 7 fields, at most 6 allowed");
        assertError("a\\b /a tmpfs defaults\n", 1, "bad escape in 'a\\b': use \\NNN (octal), e.g. \\040 for a space");
        for (String root : List.of("/", "//", "/./", "/."))
            assertError("none " + root + " tmpfs defaults\n", 1, "fstab target '" + root + "' is the guest's root itself:"
                    + " nothing is mounted over it (give a directory in the guest, e.g. /mnt)");
    }

    @Test void dotsInsideNamesAreFine() throws Exception {
        assertEquals("/a/..b/c.", parse("none /a/..b/c. tmpfs defaults\n").getFirst().target());
    }
}
