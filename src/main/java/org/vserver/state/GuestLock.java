package org.vserver.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.vserver.sys.Syscalls;

/**
 * Serializes start/stop/... of one guest across processes (util-vserver's
 * {@code vserver.NAME.startup} lock), with flock(2). The lock file is removed on release so
 * nothing is left behind; a waiter that then wins the lock on the unlinked inode notices (the
 * path no longer names the inode it holds) and tries again.
 */
public final class GuestLock implements AutoCloseable {
    private final Path file;
    private final Syscalls sys;
    private final int fd;

    private GuestLock(Path file, Syscalls sys, int fd) {
        this.file = file;
        this.sys = sys;
        this.fd = fd;
    }

    public static GuestLock acquire(Syscalls sys, Path file) throws IOException {
        while (true) {
            int fd;
            try {
                Files.createDirectories(file.getParent());
                fd = sys.open(file.toString(), Syscalls.O_RDWR | Syscalls.O_CREAT, 0600);
            } catch (org.vserver.sys.ErrnoException e) {
                if (e.errno() == org.vserver.sys.Errno.ENOENT) continue;   // the run directory was just removed
                throw e;
            }
            try {
                sys.flock(fd);
                if (holds(file, fd)) return new GuestLock(file, sys, fd);
            } catch (IOException | RuntimeException e) {
                sys.close(fd);
                throw e;
            }
            sys.close(fd);
        }
    }

    private static boolean holds(Path file, int fd) throws IOException {
        try {
            Object onDisk = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            Object held = Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
            return onDisk != null && onDisk.equals(held);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            sys.close(fd); // closing the last fd releases the flock
        }
        try {
            Files.deleteIfExists(file.getParent()); // the run directory, once no guest and no lock is left in it
        } catch (java.nio.file.DirectoryNotEmptyException inUse) {
            // guests are running, or another lock is held
        }
    }
}
