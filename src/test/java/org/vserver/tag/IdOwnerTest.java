package org.vserver.tag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestRanges;
import org.vserver.config.IdKind;
import org.vserver.config.IdRange;

/** Whose an id is, and where chxid's target puts it: no files touched. */
class IdOwnerTest {
    @TempDir Path confdir;

    private void put(String file, String text) throws IOException {
        Path f = confdir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private GuestRanges ranges() throws ConfigException { return GuestRanges.read(new ConfigRoot(confdir)); }

    @Test
    void hostBelow65536GuestInItsRangeStrayElsewhere() throws Exception {
        put("a/userns/uidmap", "1000000 65536\n");
        put("a/userns/gidmap", "2000000 65536\n");
        GuestRanges r = ranges();
        assertEquals(new IdOwner.Host(0), IdOwner.of(r, IdKind.UID, 0));
        assertEquals(new IdOwner.Host(65535), IdOwner.of(r, IdKind.UID, 65535));
        assertEquals(new IdOwner.Stray(65536), IdOwner.of(r, IdKind.UID, 65536), "not the host's own, and no guest's");
        assertEquals(new IdOwner.Guest("a", 1000), IdOwner.of(r, IdKind.UID, 1_001_000));
        assertEquals(new IdOwner.Stray(1_001_000), IdOwner.of(r, IdKind.GID, 1_001_000), "gids are looked up in gidmap");
        assertEquals(new IdOwner.Guest("a", 5), IdOwner.of(r, IdKind.GID, 2_000_005));
    }

    @Test
    void targetsMapOwnIdsWithinTheirRange() {
        var b = new Retag.Guest("b", new IdRange(1_065_536, 65536), new IdRange(3_000_000, 131072));
        assertEquals(OptionalLong.of(1_066_536), b.hostId(IdKind.UID, 1000));
        assertEquals(OptionalLong.empty(), b.hostId(IdKind.UID, 65536), "past the end of b's uids");
        assertEquals(OptionalLong.of(3_065_536), b.hostId(IdKind.GID, 65536), "b has more gids");
        assertEquals(OptionalLong.of(1000), new Retag.Host().hostId(IdKind.UID, 1000));
        assertEquals(OptionalLong.empty(), new Retag.Host().hostId(IdKind.GID, 65536));
    }

    @Test
    void aTargetWithoutRangesIsRefusedWithTheReason() throws Exception {
        put("b/userns/uidmap", "1065536 65536\n");
        put("b/userns/gidmap", "1065536 65536\n");
        put("fresh/context", "7\n");
        put("off/userns/disabled", "");
        put("half/userns/uidmap", "1131072 65536\n");
        put("bad/userns/uidmap", "1196608\n");
        put("bad/userns/gidmap", "1196608 65536\n");
        var root = new ConfigRoot(confdir);
        GuestRanges r = ranges();
        assertEquals(new Retag.Guest("b", new IdRange(1_065_536, 65536), new IdRange(1_065_536, 65536)), Retag.target(root, "b", r));
        var none = assertThrows(IOException.class, () -> Retag.target(root, "fresh", r));
        assertTrue(none.getMessage().contains("guest 'fresh' has no uid range yet") && none.getMessage().contains("start it once"),
                none.getMessage());
        var half = assertThrows(IOException.class, () -> Retag.target(root, "half", r));
        assertTrue(half.getMessage().contains("no gid range yet"), half.getMessage());
        var off = assertThrows(IOException.class, () -> Retag.target(root, "off", r));
        assertTrue(off.getMessage().contains("runs without a user namespace") && off.getMessage().contains("-c 0"), off.getMessage());
        var bad = assertThrows(ConfigException.class, () -> Retag.target(root, "bad", r));
        assertEquals(confdir.resolve("bad/userns/uidmap"), bad.file());
    }
}
