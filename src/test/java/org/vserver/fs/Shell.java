package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.HostFeatures;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test helpers: run a command (fail the test on a nonzero exit), read modes and ids. */
final class Shell {
    private Shell() {}

    static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", argv) + " failed: " + out);
        return out;
    }

    static boolean root() {
        return HostFeatures.isRoot();
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    static int gid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    static long inode(Path p) throws IOException {
        return (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    static BuildRequest request(Path vdir, Path hostRoot, StringBuilder log) {
        return new BuildRequest("test1", vdir, null, java.util.List.of(), hostRoot, l -> log.append(l).append('\n'), new LinuxSyscalls(), ProcFs.host());
    }
}
