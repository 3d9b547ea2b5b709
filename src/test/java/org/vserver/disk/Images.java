package org.vserver.disk;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.fs.SearchPath;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/** The host's e2fsprogs with a fake, empty sysfs (no loop device holds a test's image). */
final class Images {
    private Images() {}

    static DiskHost host(Path tmp) throws IOException {
        SearchPath path = SearchPath.fromEnvironment(System.getenv());
        assumeTrue(path.find("mkfs.ext4").isPresent() && path.find("resize2fs").isPresent(),
                "needs mkfs.ext4 and resize2fs (apt-get install e2fsprogs)");
        Path sysfs = Files.createDirectories(tmp.resolve("sys/block"));
        return new DiskHost(path, sysfs.getParent(), new ProcFs(Path.of("/proc")));
    }

    /** st_blocks in KiB, as du counts it (the JDK does not expose st_blocks). */
    static long allocatedKib(Path p) throws IOException {
        var sys = new LinuxSyscalls();
        int fd = sys.openat(Syscalls.AT_FDCWD, p.toString(), Syscalls.O_PATH | Syscalls.O_NOFOLLOW);
        try {
            return sys.fstat(fd).blocks() / 2;
        } finally {
            sys.close(fd);
        }
    }
}
