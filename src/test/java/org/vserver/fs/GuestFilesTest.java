package org.vserver.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.ProcStat;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;
import org.vserver.sys.FileStat;

/** The resolver against a guest tree full of hostile links, next to a "host" directory with secrets. */
class GuestFilesTest {
    private final Syscalls sys = new LinuxSyscalls();
    @TempDir Path tmp;
    Path guest;
    Path host;

    @BeforeEach
    void trees() throws IOException {
        host = Files.createDirectories(tmp.resolve("host/etc"));
        Files.writeString(host.resolve("passwd"), "hostonly:x:4242:4242::/:/bin/sh\n");
        guest = Files.createDirectories(tmp.resolve("guest"));
        Files.createDirectories(guest.resolve("etc"));
        Files.writeString(guest.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n");
    }

    private GuestFiles files() throws IOException {
        return GuestFiles.at(sys, ProcFs.host(), guest);
    }

    @Test
    void readsARegularFile() throws IOException {
        try (GuestFiles f = files()) {
            assertEquals(List.of("root:x:0:0::/root:/bin/sh", "web:x:33:33::/var/www:/bin/sh"), f.lines("/etc/passwd"));
            assertEquals(f.lines("etc/passwd"), f.lines("/etc/passwd"), "with or without the leading /");
        }
    }

    /** A file the host keeps open (a guest's console): a regular file of the guest only, opened as asked. */
    @Test
    void openRegularGivesADescriptorOfTheGuestsFileOnly() throws Exception {
        Files.createDirectories(guest.resolve("dev"));
        Files.writeString(guest.resolve("dev/console"), "boot\n");
        try (GuestFiles f = files()) {
            int fd = f.openRegular("/dev/console", Syscalls.O_WRONLY | Syscalls.O_APPEND);
            try {
                sys.write(fd, "more\n".getBytes(StandardCharsets.UTF_8));
            } finally {
                sys.close(fd);
            }
            assertEquals("boot\nmore\n", Files.readString(guest.resolve("dev/console")));
            Files.delete(guest.resolve("dev/console"));
            Files.createSymbolicLink(guest.resolve("dev/console"), host.resolve("passwd"));
            var e = assertThrows(IOException.class, () -> f.openRegular("/dev/console", Syscalls.O_RDONLY));
            assertTrue(e.getMessage().contains("/dev/console of the guest") && e.getMessage().contains("a symbolic link"), e.getMessage());
            Files.delete(guest.resolve("dev/console"));
            assertEquals(0, new ProcessBuilder("mkfifo", guest.resolve("dev/console").toString()).start().waitFor());
            e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(IOException.class, () -> f.openRegular("/dev/console", Syscalls.O_RDONLY)));
            assertTrue(e.getMessage().contains("a FIFO"), e.getMessage());
        }
    }

    @Test
    void anAbsoluteLinkToAHostPathStaysInTheGuest() throws IOException {
        deleteTree(guest.resolve("etc"));
        Files.createSymbolicLink(guest.resolve("etc"), host);     // what a naive read would follow to the host
        try (GuestFiles f = files()) {
            assertEquals(List.of(), f.lines("/etc/passwd"), "the guest has no " + host + ": nothing is read");
            assertThrows(NoSuchFileException.class, () -> f.read("/etc/passwd", 100));
        }
        // ... and where the guest has that path, its own copy is read
        Path inGuest = Files.createDirectories(guest.resolve(host.toString().substring(1)));
        Files.writeString(inGuest.resolve("passwd"), "own:x:7:7::/:/bin/sh\n");
        try (GuestFiles f = files()) {
            assertEquals(List.of("own:x:7:7::/:/bin/sh"), f.lines("/etc/passwd"));
        }
    }

    @Test
    void dotDotStopsAtTheGuestRoot() throws IOException {
        deleteTree(guest.resolve("etc"));
        Files.createSymbolicLink(guest.resolve("etc"), Path.of("../../../../../../../../" + host.toString().substring(1)));
        try (GuestFiles f = files()) {
            assertEquals(List.of(), f.lines("/etc/passwd"));
            assertEquals(List.of(), f.lines("/../host/etc/passwd"), ".. of the root is the root");
        }
    }

    @Test
    void aLinkAtTheEndIsNotFollowed() throws IOException {
        Files.delete(guest.resolve("etc/passwd"));
        Files.createSymbolicLink(guest.resolve("etc/passwd"), Path.of("/dev/zero"));
        try (GuestFiles f = files()) {
            IOException e = assertThrows(IOException.class, () -> f.read("/etc/passwd", 100));
            assertEquals("/etc/passwd of the guest (root " + guest + ") is a symbolic link, not a regular file: the host"
                    + " reads only regular files of a guest and does not follow a link at the end of the path", e.getMessage());
        }
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Files.delete(guest.resolve("etc/passwd"));
        Shell.run("mkfifo", guest.resolve("etc/passwd").toString());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try (GuestFiles f = files()) {
                IOException e = assertThrows(IOException.class, () -> f.read("/etc/passwd", 100));
                assertTrue(e.getMessage().contains("is a FIFO, not a regular file"), e.getMessage());
            }
        });
    }

    @Test
    void aDirectoryIsRefused() throws IOException {
        try (GuestFiles f = files()) {
            IOException e = assertThrows(IOException.class, () -> f.read("/etc", 100));
            assertTrue(e.getMessage().contains("is a directory, not a regular file"), e.getMessage());
        }
    }

    @Test
    void aFileLargerThanTheCapIsRefusedBeforeItIsRead() throws IOException {
        try (RandomAccessFile big = new RandomAccessFile(guest.resolve("etc/group").toFile(), "rw")) {
            big.setLength(GuestFiles.MAX_BYTES + 1L);         // sparse: costs no disk
        }
        try (GuestFiles f = files()) {
            IOException e = assertThrows(IOException.class, () -> f.lines("/etc/group"));
            assertEquals("/etc/group of the guest (root " + guest + ") is larger than 4194304 bytes, the most the host"
                    + " reads of a guest file", e.getMessage());
        }
    }

    @Test
    void aFileAtTheCapIsRead() throws IOException {
        byte[] data = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        Files.write(guest.resolve("etc/motd"), data);
        try (GuestFiles f = files()) {
            assertArrayEquals(data, f.read("etc/motd", 1000));
            assertThrows(IOException.class, () -> f.read("etc/motd", 999));
        }
    }

    @Test
    void linksInsideTheGuestAreFollowedOnTheWay() throws IOException {
        Files.createDirectories(guest.resolve("usr/etc"));
        Files.writeString(guest.resolve("usr/etc/os-release"), "ID=debian\n");
        Files.createSymbolicLink(guest.resolve("etc/os-release"), Path.of("../usr/etc/os-release"));
        Files.createSymbolicLink(guest.resolve("lib"), Path.of("/usr/etc"));
        try (GuestFiles f = files()) {
            assertEquals(List.of("ID=debian"), f.lines("/lib/os-release"), "an absolute link to a guest directory");
            assertThrows(IOException.class, () -> f.lines("/etc/os-release"), "the last link is never followed by read");
            Optional<FileStat> st = f.stat("/etc/os-release");
            assertTrue(st.isPresent() && st.get().isRegular(), "stat follows it, inside the guest");
            assertEquals(Optional.empty(), f.stat("/etc/nothing"));
            assertEquals("ID=debian\n", new String(f.readFollowingLinks("/etc/os-release", 100), StandardCharsets.UTF_8),
                    "readFollowingLinks follows the last link too, inside the guest");
        }
    }

    @Test
    void readFollowingLinksStaysInTheGuestAndReadsOnlyRegularFiles() throws IOException {
        Files.createSymbolicLink(guest.resolve("etc/os-release"), host.resolve("passwd"));   // the host's file by name
        Files.createSymbolicLink(guest.resolve("etc/zero"), Path.of("/dev/zero"));
        Files.createDirectories(guest.resolve("dev"));
        Files.createSymbolicLink(guest.resolve("dev/zero"), Path.of("../etc"));
        try (GuestFiles f = files()) {
            assertThrows(NoSuchFileException.class, () -> f.readFollowingLinks("/etc/os-release", 100));
            IOException e = assertThrows(IOException.class, () -> f.readFollowingLinks("/etc/zero", 100));
            assertTrue(e.getMessage().endsWith("is a directory, not a regular file: the host reads only regular files of a guest"),
                    e.getMessage());
        }
    }

    @Test
    void statOfALinkToAHostPathFindsNothing() throws IOException {
        Files.createSymbolicLink(guest.resolve("bash"), host.resolve("passwd"));
        try (GuestFiles f = files()) {
            assertEquals(Optional.empty(), f.stat("/bash"));
        }
    }

    @Test
    void magicLinksAreNotCrossed() throws IOException {
        // The real root as the "guest": its /proc is mounted, and /proc/self/root is a magic link.
        try (GuestFiles f = GuestFiles.at(sys, ProcFs.host(), Path.of("/"))) {
            IOException e = assertThrows(IOException.class, () -> f.read("/proc/self/root" + guest + "/etc/passwd", 100));
            assertTrue(e.getMessage().contains("magic link"), e.getMessage());
            assertTrue(f.read(guest + "/etc/passwd", 1000).length > 0, "the same file without the magic link is read");
        }
    }

    @Test
    void theRootOfAProcessIsCheckedAgainstItsStartTime() throws IOException {
        int pid = (int) ProcessHandle.current().pid();
        long ticks = ProcStat.read(Path.of("/proc"), pid).orElseThrow().startTicks();
        try (GuestFiles f = GuestFiles.ofProcess(sys, ProcFs.host(), new GuestProcess(pid, ticks))) {
            assertTrue(f.read(guest + "/etc/passwd", 1000).length > 0);
        }
        IOException e = assertThrows(IOException.class, () -> GuestFiles.ofProcess(sys, ProcFs.host(), new GuestProcess(pid, ticks + 1)));
        assertEquals("the guest's init (pid " + pid + ") exited meanwhile: the guest is not running any more", e.getMessage());
        assertThrows(IOException.class, () -> GuestFiles.ofProcess(sys, new ProcFs(tmp), new GuestProcess(pid, ticks)), "no such /proc/PID");
    }

    private static void deleteTree(Path p) throws IOException {
        try (var w = Files.walk(p)) {
            for (Path x : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
