package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloneMethodTest {

    /** A source guest: hard links, relative and absolute links, unusual modes, a cache and a log. */
    private static Path source(Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("vservers/src"));
        Files.createDirectories(src.resolve("usr/bin"));
        Files.createDirectories(src.resolve("var/cache/apt"));
        Files.createDirectories(src.resolve("var/log"));
        Files.createDirectories(src.resolve("root"));
        GuestTree.chmod(src.resolve("root"), 0700);
        Files.writeString(src.resolve("usr/bin/busybox"), "#!/bin/sh\n");
        GuestTree.chmod(src.resolve("usr/bin/busybox"), 04755);
        Files.createLink(src.resolve("usr/bin/sh"), src.resolve("usr/bin/busybox"));
        Files.createSymbolicLink(src.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(src.resolve("usr/bin/ls"), Path.of("/usr/bin/busybox"));
        Files.writeString(src.resolve("root/secret"), "s\n");
        GuestTree.chmod(src.resolve("root/secret"), 0600);
        Files.writeString(src.resolve("var/cache/apt/pkgcache.bin"), "cache");
        Files.writeString(src.resolve("var/log/syslog.log"), "log");
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/hostname"), "src\n");
        if (Shell.root()) {
            Shell.run("chown", "12345:12345", src.resolve("root/secret").toString());
        }
        return src;
    }

    private static void assertCopied(Path dst) throws Exception {
        assertEquals(Shell.inode(dst.resolve("usr/bin/busybox")), Shell.inode(dst.resolve("usr/bin/sh")),
                "hard link kept");
        assertEquals(04755, Shell.mode(dst.resolve("usr/bin/busybox")));
        assertEquals(Path.of("usr/bin"), Files.readSymbolicLink(dst.resolve("bin")));
        assertEquals(Path.of("/usr/bin/busybox"), Files.readSymbolicLink(dst.resolve("usr/bin/ls")));
        assertEquals(0700, Shell.mode(dst.resolve("root")));
        assertEquals(0600, Shell.mode(dst.resolve("root/secret")));
        if (Shell.root()) {
            assertEquals(12345, Shell.uid(dst.resolve("root/secret")));
        }
        assertEquals("c1\n", Files.readString(dst.resolve("etc/hostname")), "the skeleton renames the copy");
    }

    @Test
    void copiesEverythingWithCp(@TempDir Path tmp) throws Exception {
        Path src = source(tmp);
        Path dst = tmp.resolve("vservers/c1");
        BuildRequest req = new BuildRequest("c1", dst, null, List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host());

        BuildResult r = new CloneMethod(src, List.of(), null, SearchPath.fromEnvironment(System.getenv())).build(req);

        assertCopied(dst);
        assertTrue(Files.exists(dst.resolve("var/cache/apt/pkgcache.bin")));
        assertEquals(List.of(), r.fstab(), "the caller copies the source guest's fstab");
        assertEquals("plain", r.initStyle());
        assertEquals("src\n", Files.readString(src.resolve("etc/hostname")), "the source is untouched");
    }

    @Test
    void excludesGoThroughATarPipe(@TempDir Path tmp) throws Exception {
        Path src = source(tmp);
        Path dst = tmp.resolve("vservers/c1");
        BuildRequest req = new BuildRequest("c1", dst, null, List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host());

        new CloneMethod(src, List.of("/var/cache/apt", "*.log"), null, SearchPath.fromEnvironment(System.getenv())).build(req);

        assertCopied(dst);
        assertFalse(Files.exists(dst.resolve("var/cache/apt")));
        assertTrue(Files.isDirectory(dst.resolve("var/cache")));
        assertFalse(Files.exists(dst.resolve("var/log/syslog.log")));
    }

    /** 512-byte blocks allocated to {@code p} (st_blocks). */
    private static long blocks(Path p) throws Exception {
        return Long.parseLong(Shell.run("stat", "-c", "%b", p.toString()).strip());
    }

    @Test
    void sparseFilesStaySparseOnBothPaths(@TempDir Path tmp) throws Exception {
        Path src = source(tmp);
        try (var f = new java.io.RandomAccessFile(src.resolve("var/log/holes.img").toFile(), "rw")) {
            f.setLength(256L << 20);
            f.seek((256L << 20) - 4);
            f.write(new byte[] {'e', 'n', 'd', '\n'});
        }
        assertTrue(blocks(src.resolve("var/log/holes.img")) < 2048, "the source is sparse");
        for (List<String> excludes : List.of(List.<String>of(), List.of("var/cache"))) {
            Path dst = tmp.resolve("vservers/c" + excludes.size());
            new CloneMethod(src, excludes, null, SearchPath.fromEnvironment(System.getenv()))
                    .build(new BuildRequest("c1", dst, null, List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host()));
            Path copy = dst.resolve("var/log/holes.img");
            assertEquals(256L << 20, Files.size(copy));
            assertTrue(blocks(copy) < 2048, (excludes.isEmpty() ? "cp" : "tar") + " allocated " + blocks(copy)
                    + " blocks for 256 MiB of holes");
        }
    }

    @Test
    void unknownSource(@TempDir Path tmp) {
        BuildRequest req = new BuildRequest("c1", tmp.resolve("c1"), null, List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host());
        BuildException e = assertThrows(BuildException.class,
                () -> new CloneMethod(Path.of("no-such-guest"), List.of(), null, SearchPath.fromEnvironment(System.getenv())).build(req));
        assertEquals("build -m clone: source no-such-guest: no such guest or directory (give a guest's name or a"
                + " directory path)", e.getMessage());
    }

    @Test
    void refusesToCloneIntoItself(@TempDir Path tmp) throws Exception {
        Path src = source(tmp);
        BuildRequest req = new BuildRequest("c1", src.resolve("var/inner"), null, List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host());
        BuildException e = assertThrows(BuildException.class,
                () -> new CloneMethod(src, List.of(), null, SearchPath.fromEnvironment(System.getenv())).build(req));
        assertTrue(e.getMessage().contains("one contains the other"), e.getMessage());
    }
}
