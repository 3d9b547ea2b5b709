package org.vserver.disk;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.sys.LinuxSyscalls;

class DiskUsageTest {
    @TempDir Path tmp;

    private static long kib(Path p) throws Exception { return Images.allocatedKib(p); }

    @Test void countsSpaceAndInodesAndHardLinksOnce() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a/sub")).getParent(), b = Files.createDirectories(tmp.resolve("b"));
        Path f = Files.write(a.resolve("sub/f"), new byte[100_000]);
        Files.write(a.resolve(".hidden"), new byte[5000]);
        Files.createLink(a.resolve("f-again"), f);           // same inode, same directory
        Files.createLink(b.resolve("f-elsewhere"), f);       // same inode, the other directory
        Files.createSymbolicLink(b.resolve("to-a"), a);      // a link is counted, never followed
        List<Exception> failed = new ArrayList<>();
        var du = new DiskUsage(new LinuxSyscalls());

        DiskUsage.Count ca = du.count(a.toString(), failed::add);
        assertEquals(4, ca.inodes());                         // a, sub, f (once), .hidden
        assertEquals(kib(a) + kib(a.resolve("sub")) + kib(f) + kib(a.resolve(".hidden")), ca.spaceKib());
        assertTrue(ca.spaceKib() >= 100, ca.toString());

        DiskUsage.Count cb = du.count(b.toString(), failed::add);
        assertEquals(2, cb.inodes());                         // b and the link; f was counted in a
        assertEquals(kib(b) + kib(b.resolve("to-a")), cb.spaceKib());
        assertEquals(List.of(), failed);

        // a fresh count sees b's hard link as new
        assertEquals(3, new DiskUsage(new LinuxSyscalls()).count(b.toString(), failed::add).inodes());
    }

    @Test void aMissingDirectoryIsReported() {
        List<Exception> failed = new ArrayList<>();
        assertEquals(new DiskUsage.Count(0, 0), new DiskUsage(new LinuxSyscalls()).count(tmp.resolve("nope").toString(), failed::add));
        assertEquals(1, failed.size());
        assertTrue(failed.getFirst().getMessage().contains("nope"), failed.getFirst().getMessage());
    }
}
