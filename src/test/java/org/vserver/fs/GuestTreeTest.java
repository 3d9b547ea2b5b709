package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Links inside a rootfs are resolved as the guest sees them, and never lead a write out of the vdir. */
class GuestTreeTest {

    @Test
    void absoluteLinkResolvesInsideTheGuest(@TempDir Path tmp) throws IOException {
        Path vdir = Files.createDirectories(tmp.resolve("vdir"));
        Files.createDirectories(vdir.resolve("run"));
        Files.createDirectories(vdir.resolve("var"));
        Files.createSymbolicLink(vdir.resolve("var/run"), Path.of("/run"));   // Debian's own layout
        GuestTree tree = GuestTree.of(vdir);

        tree.write("var/run/marker", "x".getBytes(), 0600);

        assertEquals("x", Files.readString(vdir.resolve("run/marker")));
        assertEquals(0600, Shell.mode(vdir.resolve("run/marker")));
    }

    @Test
    void relativeLinkAboveTheRootIsRefused(@TempDir Path tmp) throws IOException {
        Path vdir = Files.createDirectories(tmp.resolve("vdir"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(vdir.resolve("etc"), Path.of("../outside"));
        GuestTree tree = GuestTree.of(vdir);

        FileSystemException e = assertThrows(FileSystemException.class,
                () -> tree.write("etc/hostname", "evil\n".getBytes(), 0644));
        assertTrue(e.getMessage().contains("link etc -> ../outside climbs above the guest root"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("hostname")));
    }

    @Test
    void lastComponentLinkIsReplacedNotWrittenThrough(@TempDir Path tmp) throws IOException {
        Path vdir = Files.createDirectories(tmp.resolve("vdir/etc"));
        Path hostFile = Files.writeString(tmp.resolve("host-hostname"), "host\n");
        Files.createSymbolicLink(vdir.resolve("hostname"), hostFile);
        GuestTree tree = GuestTree.of(vdir.getParent());

        tree.write("etc/hostname", "guest\n".getBytes(), 0644);

        assertEquals("host\n", Files.readString(hostFile));
        assertFalse(Files.isSymbolicLink(vdir.resolve("hostname")));
        assertEquals("guest\n", Files.readString(vdir.resolve("hostname")));
    }

    @Test
    void linkLoopIsRefused(@TempDir Path vdir) throws IOException {
        Files.createSymbolicLink(vdir.resolve("etc"), Path.of("/etc"));       // in the guest: itself
        GuestTree tree = GuestTree.of(vdir);
        FileSystemException e = assertThrows(FileSystemException.class, () -> tree.mkdirs("etc/init.d", 0755));
        assertTrue(e.getMessage().contains("more than 40 links"), e.getMessage());
    }

    @Test
    void mkdirsSetsTheExactModeOnlyOnWhatItCreates(@TempDir Path vdir) throws IOException {
        Files.createDirectories(vdir.resolve("tmp"));
        GuestTree.chmod(vdir.resolve("tmp"), 0700);
        GuestTree tree = GuestTree.of(vdir);

        tree.mkdirs("tmp", 01777);
        tree.mkdirs("var/tmp", 01777);

        assertEquals(0700, Shell.mode(vdir.resolve("tmp")));
        assertEquals(01777, Shell.mode(vdir.resolve("var/tmp")));
        assertEquals(0755, Shell.mode(vdir.resolve("var")));
    }

    /** A directory that is the guest's root through a link is no directory of its own (run/lock would be /lock). */
    @Test
    void linkToTheGuestRootIsRefused(@TempDir Path vdir) throws IOException {
        Files.createSymbolicLink(vdir.resolve("run"), Path.of("/"));
        Files.createSymbolicLink(vdir.resolve("var"), Path.of("."));
        GuestTree tree = GuestTree.of(vdir);
        for (String rel : new String[] {"run/lock", "var"}) {
            FileSystemException e = assertThrows(FileSystemException.class, () -> tree.mkdirs(rel, 01777));
            assertTrue(e.getMessage().contains("which is the guest's root itself; replace the link with a directory"), e.getMessage());
        }
        assertFalse(Files.exists(vdir.resolve("lock")));
    }

    /** `tmp -> /` in a clone source or template: the default /tmp line would mount over it at every start. */
    @Test
    void aLinkAtAMountPointIsRefusedWhereverItLeads(@TempDir Path vdir) throws IOException {
        Files.createDirectories(vdir.resolve("var/tmp"));
        Files.createSymbolicLink(vdir.resolve("tmp"), Path.of("/"));
        Files.createSymbolicLink(vdir.resolve("proc"), Path.of("var/tmp"));     // inside the guest, still a link
        GuestTree tree = GuestTree.of(vdir);
        for (String rel : new String[] {"tmp", "proc"}) {
            FileSystemException e = assertThrows(FileSystemException.class, () -> tree.mountPoint(rel, 0555));
            assertTrue(e.getMessage().contains("where the guest mounts /" + rel + " at every start"), e.getMessage());
            assertTrue(e.getMessage().contains("replace the link with a directory"), e.getMessage());
        }
        tree.mountPoint("sys", 0555);
        assertEquals(0555, Shell.mode(vdir.resolve("sys")));
    }
}
