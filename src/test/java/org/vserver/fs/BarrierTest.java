package org.vserver.fs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host-side barrier: a guest root is refused unless a directory above it is owned by root
 * (here: the test's own uid, standing in for root) and closed to group and others.
 */
class BarrierTest {
    @TempDir Path tmp;

    static int uid(Path p) throws Exception { return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS); }

    static void chmod(Path p, String mode) throws Exception { Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode)); }

    @Test void whatABarrierIs() {
        assertTrue(Barrier.isBarrier(0, 040000));
        assertTrue(Barrier.isBarrier(0, 040700), "the owner's bits do not matter: only root passes");
        assertTrue(Barrier.isBarrier(0, 040744), "read without search: names listed, nothing reached");
        assertFalse(Barrier.isBarrier(0, 040710), "a member of its group passes");
        assertFalse(Barrier.isBarrier(0, 040701), "everybody passes");
        assertFalse(Barrier.isBarrier(1000, 040000), "its owner can chmod it open again");
    }

    @Test void createMakesVdirbaseMode000AndItsParentsAsUsual() throws Exception {
        Path base = tmp.resolve("a/b/vservers");
        Barrier.create(base);
        assertEquals("---------", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));
        assertTrue(PosixFilePermissions.toString(Files.getPosixFilePermissions(base.getParent())).endsWith("x"),
                "the parents are ordinary directories (the umask's)");
        chmod(base, "rwxr-xr-x");
        Barrier.create(base);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)), "an existing one is left to check()");
    }

    @Test void aGuestBelowAnOpenVdirbaseIsRefusedWithTheChmodToRun() throws Exception {
        int me = uid(tmp);
        chmod(tmp, "rwxr-xr-x");
        Path base = Files.createDirectory(tmp.resolve("vservers"));
        chmod(base, "rwxr-xr-x");
        Path guest = Files.createDirectory(base.resolve("web"));
        // /tmp and the JUnit directory above may be closed on some hosts only for others: judge from the base down
        Optional<String> p = Barrier.problem(guest, base, me);
        if (isClosedAbove(tmp, me)) return;       // a host whose /tmp path is itself a barrier: nothing to refuse
        assertTrue(p.isPresent());
        assertTrue(p.get().startsWith("guest root " + guest + " is reachable by every host user"), p.get());
        assertTrue(p.get().contains("run `chmod 000 " + base + "`"), p.get());
        assertFalse(p.get().contains("move"), "a guest in vdirbase is not told to move: " + p.get());
        chmod(base, "rwx------");
        assertEquals(Optional.empty(), Barrier.problem(guest, base, me), "mode 700 is a barrier");
        chmod(base, "rwx--x---");
        assertTrue(Barrier.problem(guest, base, me).isPresent(), "search for the group is not");
        chmod(base, "---------");
        assertEquals(Optional.empty(), Barrier.problem(guest, base, me));
        // a guest root that is not built yet (build) is judged by the directory it will be made in
        assertEquals(Optional.empty(), Barrier.problem(base.resolve("new"), base, me));
    }

    @Test void aGuestRootElsewhereIsToldToMove() throws Exception {
        int me = uid(tmp);
        chmod(tmp, "rwxr-xr-x");
        if (isClosedAbove(tmp, me)) return;
        Path srv = Files.createDirectory(tmp.resolve("srv"));
        chmod(srv, "rwxr-xr-x");
        Path guest = Files.createDirectory(srv.resolve("web"));
        Path link = Files.createSymbolicLink(tmp.resolve("web-link"), guest);
        Path base = Files.createDirectory(tmp.resolve("vservers"));
        Optional<String> p = Barrier.problem(link, base, me);
        assertTrue(p.isPresent());
        assertTrue(p.get().startsWith("guest root " + link + " (" + guest.toRealPath() + ") is reachable"), "symlinks resolved: " + p.get());
        assertTrue(p.get().contains("move the guest root into a directory of mode 000 such as vdirbase " + base)
                && p.get().contains("if nothing else lives in " + srv.toRealPath() + ", run `chmod 000 " + srv.toRealPath() + "`"), p.get());
    }

    /** True if a directory above {@code dir} already closes it (then nothing below can be reachable). */
    static boolean isClosedAbove(Path dir, int me) throws Exception {
        for (Path p = dir.toRealPath().getParent(); p != null; p = p.getParent()) {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (Barrier.isBarrier(uid(p), mode, me)) return true;
        }
        return false;
    }
}
