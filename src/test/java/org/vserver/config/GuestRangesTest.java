package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.GuestRanges.Guest;
import org.vserver.config.GuestRanges.Host;

class GuestRangesTest {
    @TempDir Path confdir;

    @Test void whoseHostIdIsIt() throws Exception {
        Fixture.put(confdir, "web/userns/uidmap", "1000000 65536\n");
        Fixture.put(confdir, "web/userns/gidmap", "2000000 65536\n");
        Fixture.put(confdir, "db/userns/uidmap", "1065536 131072\n");
        Fixture.guest(confdir, "plain");
        GuestRanges r = GuestRanges.read(new ConfigRoot(confdir));
        assertEquals(new Host(), r.owner(IdKind.UID, 0));
        assertEquals(new Host(), r.owner(IdKind.UID, 999_999));
        assertEquals(new Guest("web", 0), r.owner(IdKind.UID, 1_000_000));
        assertEquals(new Guest("web", 65535), r.owner(IdKind.UID, 1_065_535));
        assertEquals(new Guest("db", 0), r.owner(IdKind.UID, 1_065_536));
        assertEquals(new Guest("db", 131071), r.owner(IdKind.UID, 1_196_607));
        assertEquals(new Host(), r.owner(IdKind.UID, 1_196_608));
        assertEquals(new Host(), r.owner(IdKind.GID, 1_000_000), "gids are looked up in gidmap");
        assertEquals(new Guest("web", 5), r.owner(IdKind.GID, 2_000_005));
        assertEquals(List.of("web", "db"), r.of(IdKind.UID).stream().map(UsernsFiles.Mapping::guest).toList(), "lowest first");
        assertEquals(List.of(), r.problems());
    }

    @Test void aBrokenFileIsSetAsideNotFatal() throws Exception {
        Fixture.put(confdir, "web/userns/uidmap", "1000000 65536\n");
        Fixture.put(confdir, "bad/userns/uidmap", "lots\n");
        GuestRanges r = GuestRanges.read(new ConfigRoot(confdir));
        assertEquals(new Guest("web", 1), r.owner(IdKind.UID, 1_000_001));
        assertEquals(1, r.problems().size());
        assertEquals(confdir.resolve("bad/userns/uidmap"), r.problems().getFirst().file());
    }
}
