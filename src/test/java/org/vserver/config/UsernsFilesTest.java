package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsernsFilesTest {
    @TempDir Path confdir;

    private Path g() { return confdir.resolve("web"); }

    private UsernsConfig read() throws ConfigException { return ConfigDir.read(new ConfigRoot(confdir), "web").userns(); }

    private void assertError(String uidmap, int line, String message) {
        Fixture.put(g(), "userns/uidmap", uidmap);
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(g().resolve("userns/uidmap") + ":" + line + ": " + message, e.getMessage());
    }

    @Test void noFilesMeansAUserNamespaceNotYetAllocated() throws Exception {
        Files.createDirectories(g());
        assertEquals(UsernsConfig.NONE, read());
    }

    @Test void rangesAndTheOptOut() throws Exception {
        Fixture.put(g(), "userns/uidmap", "# given by hand\n1000000 65536\n");
        Fixture.put(g(), "userns/gidmap", "  2000000\t131072  \n\n");
        Fixture.put(g(), "userns/disabled", "");
        assertEquals(new UsernsConfig(Optional.of(new IdRange(1_000_000, 65536)), Optional.of(new IdRange(2_000_000, 131072)), true),
                read());
    }

    @Test void theShiftMarker() throws Exception {
        Fixture.put(g(), "userns/uidmap", "1000000 65536\n");
        Fixture.put(g(), "userns/gidmap", "1000000 65536\n");
        Fixture.put(g(), "userns/shifted", "");
        assertEquals(new UsernsConfig(Optional.of(new IdRange(1_000_000, 65536)), Optional.of(new IdRange(1_000_000, 65536)), false, true),
                read());
    }

    @Test void defaultsAreNotRead() throws Exception {
        Files.createDirectories(g());
        Fixture.put(confdir.resolve(".defaults"), "userns/uidmap", "1000000 65536\n");
        Fixture.put(confdir.resolve(".defaults"), "userns/disabled", "");
        assertEquals(UsernsConfig.NONE, read());
    }

    @Test void badRangesNameFileAndLine() {
        String form = "expected 'HOSTFIRST COUNT' (guest ids 0..COUNT-1 are host ids HOSTFIRST..HOSTFIRST+COUNT-1), got ";
        assertError("\n", 1, "empty value: expected 'HOSTFIRST COUNT'");
        assertError("1000000\n", 1, form + "'1000000'");
        assertError("\n1000000 65536 1\n", 2, form + "'1000000 65536 1'");
        assertError("1000000 0x10000\n", 1, form + "'1000000 0x10000'");
        assertError("-1 65536\n", 1, form + "'-1 65536'");
        assertError("10000000000 65536\n", 1, form + "'10000000000 65536'");
        assertError("1000000 65536\n2000000 65536\n", 2, "one range per file: expected a single line 'HOSTFIRST COUNT'");
        assertError("1000000 65535\n", 1, "count 65535 is below 65536: a guest needs ids 0..65535 (nobody is 65534)");
        assertError("0 65536\n", 1, "host id 0 is the host's own: a guest's range starts at 65536 or above");
        assertError("65535 65536\n", 1, "host id 65535 is the host's own: a guest's range starts at 65536 or above");
        assertError("4294901760 65536\n", 1, "range 4294901760..4294967295 ends past 4294967294, the last id");
    }

    @Test void theLowestAndHighestRangesAllowed() throws Exception {
        Fixture.put(g(), "userns/uidmap", "65536 65536\n");
        Fixture.put(g(), "userns/gidmap", "4294901759 65536\n");
        UsernsConfig u = read();
        assertEquals(new IdRange(65536, 65536), u.uid().orElseThrow());
        assertEquals(IdRange.LAST_ID, u.gid().orElseThrow().hostLast());
    }
}
