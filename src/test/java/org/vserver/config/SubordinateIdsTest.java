package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.SubordinateIds.Entry;

class SubordinateIdsTest {
    @TempDir Path dir;

    private Path subuid() { return dir.resolve("subuid"); }

    @Test void linesOfRootAndOfOthers() throws Exception {
        Fixture.put(dir, "subuid", "alice:100000:65536\nroot:1000000:65536\n\n0:1065536:65536\nbob:165536:65536");
        SubordinateIds s = SubordinateIds.read(subuid());
        assertEquals(List.of(new Entry("root", new IdRange(1_000_000, 65536), 2), new Entry("0", new IdRange(1_065_536, 65536), 4)),
                s.root());
        assertEquals(List.of("alice", "bob"), s.others().stream().map(Entry::owner).toList());
        assertEquals(List.of(new IdRange(1_000_000, 131072)), s.rootRanges(), "adjacent lines are joined");
        assertEquals("1000000..1131071", s.rootSpans());
        assertEquals(List.of(), s.warnings());
    }

    @Test void malformedLinesAreSkippedWithAWarning() throws Exception {
        Fixture.put(dir, "subuid", "# root's ids\nroot:1000000\nroot:x:65536\n:1:2\nroot:1000000:0\nroot:4294967290:10\nroot:2000000:65536\n");
        SubordinateIds s = SubordinateIds.read(subuid());
        assertEquals(List.of(new IdRange(2_000_000, 65536)), s.rootRanges());
        String f = subuid().toString();
        assertEquals(List.of(
                f + ":1: skipped: expected OWNER:FIRST:COUNT, got '# root's ids'",
                f + ":2: skipped: expected OWNER:FIRST:COUNT, got 'root:1000000'",
                f + ":3: skipped: expected OWNER:FIRST:COUNT, got 'root:x:65536'",
                f + ":4: skipped: expected OWNER:FIRST:COUNT, got ':1:2'",
                f + ":5: skipped: count 0, got 'root:1000000:0'",
                f + ":6: skipped: range ends past 4294967294, the last id, got 'root:4294967290:10'"), s.warnings());
    }

    @Test void overlappingRootLinesAreJoined() throws Exception {
        Fixture.put(dir, "subuid", "root:300000:100000\nroot:100000:250000\nroot:900000:10\n");
        assertEquals(List.of(new IdRange(100_000, 300_000), new IdRange(900_000, 10)), SubordinateIds.read(subuid()).rootRanges());
    }

    @Test void aMissingFileOwnsNothing() throws Exception {
        SubordinateIds s = SubordinateIds.read(subuid());
        assertEquals(List.of(), s.entries());
        assertEquals("none", s.rootSpans());
    }

    @Test void rootsRangeIsAddedToAMissingFile() throws Exception {
        SubordinateIds.Added a = SubordinateIds.read(subuid()).addRootIfMissing();
        assertEquals(Optional.of("added root:1000000:1000000000 to " + subuid() + ", as Incus does"), a.message());
        assertEquals("root:1000000:1000000000\n", Fixture.read(subuid()));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(subuid())));
        assertEquals(List.of(new IdRange(1_000_000, 1_000_000_000)), a.ids().rootRanges());
    }

    @Test void rootsRangeIsAppendedAfterOtherOwners() throws Exception {
        Fixture.put(dir, "subuid", "alice:100000:65536");   // no final newline
        Files.setPosixFilePermissions(subuid(), PosixFilePermissions.fromString("rw-------"));
        SubordinateIds.Added a = SubordinateIds.read(subuid()).addRootIfMissing();
        assertTrue(a.message().isPresent());
        assertEquals("alice:100000:65536\nroot:1000000:1000000000\n", Fixture.read(subuid()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(subuid())), "an existing file keeps its mode");
    }

    @Test void nothingIsAddedWhenRootHasIds() throws Exception {
        Fixture.put(dir, "subuid", "root:100000:65536\n");
        SubordinateIds.Added a = SubordinateIds.read(subuid()).addRootIfMissing();
        assertEquals(Optional.empty(), a.message());
        assertEquals("root:100000:65536\n", Fixture.read(subuid()));
    }

    @Test void rootsRangeIsNotAddedOverAnotherOwners() throws Exception {
        Fixture.put(dir, "subuid", "alice:100000:65536\nbob:1500000:65536\n");
        var e = assertThrows(ConfigException.class, () -> SubordinateIds.read(subuid()).addRootIfMissing());
        assertEquals(subuid() + ":2: root has no subordinate ids here, and root:1000000:1000000000 (what Incus uses) would overlap"
                + " bob's 1500000..1565535; give root a range by hand: a line root:FIRST:COUNT with COUNT at least 65536 per guest"
                + " and FIRST at least 65536", e.getMessage());
        assertEquals("alice:100000:65536\nbob:1500000:65536\n", Fixture.read(subuid()));
    }

    @Test void aFileThatCannotBeWrittenIsAnError() throws Exception {
        Fixture.put(dir, "etc", "a file, not a directory");
        Path f = dir.resolve("etc/subuid");
        var e = assertThrows(ConfigException.class, () -> SubordinateIds.read(f).addRootIfMissing());
        assertTrue(e.getMessage().startsWith(f + ": root has no subordinate ids here, and adding root:1000000:1000000000 failed: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; give root a range by hand: a line root:FIRST:COUNT with COUNT at least 65536 per guest"
                + " and FIRST at least 65536"), e.getMessage());
    }

    @Test void filesComeFromTheEnvironment() {
        assertEquals(SubidFiles.DEFAULT, SubidFiles.fromEnvironment(Map.of()));
        assertEquals(Path.of("/etc/subgid"), SubidFiles.fromEnvironment(Map.of("VSERVER_SUBGID", "")).subgid());
        SubidFiles f = SubidFiles.fromEnvironment(Map.of("VSERVER_SUBUID", "/tmp/u", "VSERVER_SUBGID", "/tmp/g"));
        assertEquals(Path.of("/tmp/u"), f.file(IdKind.UID));
        assertEquals(Path.of("/tmp/g"), f.file(IdKind.GID));
    }
}
