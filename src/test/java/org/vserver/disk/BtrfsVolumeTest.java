package org.vserver.disk;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.fs.SearchPath;
import org.vserver.sys.ProcFs;

/** The qgroup table as btrfs-progs 6.2 printed it on a test filesystem (trailing blanks included). */
class BtrfsVolumeTest {
    @TempDir Path tmp;

    static final String LIMITED = """
            Qgroupid    Referenced    Exclusive  Max referenced   Path\s
            --------    ----------    ---------  --------------   ----\s
            0/256          3018752      3018752        10485760   sub
            """;
    static final String UNLIMITED = """
            Qgroupid    Referenced    Exclusive  Max referenced   Path\s
            --------    ----------    ---------  --------------   ----\s
            0/256          3018752      3018752            none   sub
            """;
    /** {@code -r -e -F}: the exclusive limit too. */
    static final String BOTH_LIMITS = """
            Qgroupid    Referenced    Exclusive  Max referenced  Max exclusive   Path\s
            --------    ----------    ---------  --------------  -------------   ----\s
            0/256          3018752      3018752        10485760           none   sub
            """;
    /** No -r, after a delete: a stale qgroup, and the top level. */
    static final String STALE = """
            Qgroupid    Referenced    Exclusive   Path\s
            --------    ----------    ---------   ----\s
            0/5              16384        16384   <toplevel>
            0/256          3018752      3018752   <stale>
            """;
    /** -p -c: "Exclusive Parent" are one blank apart. */
    static final String PARENTS = """
            Qgroupid    Referenced    Exclusive Parent   Child   Path\s
            --------    ----------    --------- ------   -----   ----\s
            0/5              16384        16384 -        -       <toplevel>
            """;
    /** btrfs-progs 5.x: lower-case short names, no Path column. */
    static final String OLD = """
            qgroupid         rfer         excl     max_rfer\s
            --------         ----         ----     --------\s
            0/257         1048576      1048576      2097152\s
            """;

    @Test void usageFromTheTable() throws Exception {
        Path sub = tmp.resolve("sub");
        assertEquals(new Usage(2948, 10240, 0, 0), BtrfsVolume.usage(sub, LIMITED));
        assertEquals(new Usage(2948, 0, 0, 0), BtrfsVolume.usage(sub, UNLIMITED));
        assertEquals(new Usage(2948, 10240, 0, 0), BtrfsVolume.usage(sub, BOTH_LIMITS));
        assertEquals(new Usage(1024, 2048, 0, 0), BtrfsVolume.usage(sub, OLD));
        assertEquals("2.9 MiB of 10 MiB", BtrfsVolume.usage(sub, LIMITED).format());
    }

    @Test void rows() {
        assertEquals(List.of(new QgroupTable.Row("0/5", 16384, 16384, OptionalLong.empty()),
                new QgroupTable.Row("0/256", 3018752, 3018752, OptionalLong.empty())), QgroupTable.parse(STALE));
        assertEquals(List.of(new QgroupTable.Row("0/5", 16384, 16384, OptionalLong.empty())), QgroupTable.parse(PARENTS));
    }

    @Test void anythingElseIsAClearError() {
        Path sub = tmp.resolve("sub");
        var e = assertThrows(IOException.class, () -> BtrfsVolume.usage(sub, STALE));
        assertTrue(e.getMessage().startsWith("btrfs qgroup show " + sub + ": expected one subvolume qgroup, got 2"), e.getMessage());
        e = assertThrows(IOException.class, () -> BtrfsVolume.usage(sub, "ERROR: can't list qgroups: quotas not enabled\n"));
        assertTrue(e.getMessage().contains("no 'Qgroupid' header"), e.getMessage());
        e = assertThrows(IOException.class, () -> BtrfsVolume.usage(sub, LIMITED.replace("3018752 ", "2.88MiB ")));
        assertTrue(e.getMessage().contains("expected a byte count (--raw), got '2.88MiB'"), e.getMessage());
    }

    @Test void aPlainDirectoryIsRefusedBeforeBtrfsRuns() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("layer"));
        // a PATH without btrfs: the refusal must come first, from the check, not from a missing program
        var v = new BtrfsVolume(dir, new DiskHost(SearchPath.of(tmp.toString()), tmp, new ProcFs(tmp)));
        var e = assertThrows(IOException.class, () -> v.setLimit(OptionalLong.of(1024)));
        assertTrue(e.getMessage().startsWith(dir + " is not a btrfs subvolume"), e.getMessage());
        e = assertThrows(IOException.class, v::usage);
        assertTrue(e.getMessage().startsWith(dir + " is not a btrfs subvolume"), e.getMessage());
        e = assertThrows(IOException.class, new BtrfsVolume(tmp.resolve("nope"), v.host())::usage);
        assertTrue(e.getMessage().contains("is missing or not a directory"), e.getMessage());
        assertEquals(Files.getFileStore(tmp).type().equals("btrfs"), BtrfsVolume.isBtrfs(tmp.resolve("not/yet")));
        e = assertThrows(IOException.class, v::create);
        assertTrue(e.getMessage().startsWith("btrfs not found: install the Debian package 'btrfs-progs'"), e.getMessage());
    }
}
