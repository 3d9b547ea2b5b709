package org.vserver.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.vserver.sys.ProcFs;

/**
 * Serializes start/stop/... of one guest (util-vserver's {@code vserver.NAME.startup} lock):
 * across processes with an fcntl lock on {@code RUNDIR/NAME.lock}, across threads of this JVM
 * with a lock per file (fcntl locks belong to the process). The file is removed on release so
 * nothing is left behind; a waiter that then wins the lock on the unlinked inode notices (its
 * descriptor now reads "(deleted)") and tries again.
 */
public final class GuestLock implements AutoCloseable {
    /** Not state of the system: only which files this JVM's threads hold. */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantLock jvmLock;
    private final FileChannel channel;
    private final FileLock lock;

    private GuestLock(Path file, ReentrantLock jvmLock, FileChannel channel, FileLock lock) {
        this.file = file;
        this.jvmLock = jvmLock;
        this.channel = channel;
        this.lock = lock;
    }

    /** @param proc this process's /proc, whose {@code self/fd} tells whether the locked file is still linked */
    public static GuestLock acquire(Path lockFile, ProcFs proc) throws IOException {
        Path file = lockFile.toAbsolutePath();
        ReentrantLock jvmLock = IN_THIS_JVM.computeIfAbsent(file, f -> new ReentrantLock());
        jvmLock.lock();
        try {
            while (true) {
                FileChannel ch;
                try {
                    Files.createDirectories(file.getParent());
                    ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                } catch (NoSuchFileException raced) {
                    continue;   // the run directory was removed between the two calls
                }
                FileLock l;
                try {
                    l = ch.lock();
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                if (stillLinked(file, proc)) return new GuestLock(file, jvmLock, ch, l);
                l.release();
                ch.close();
            }
        } catch (IOException | RuntimeException e) {
            jvmLock.unlock();
            throw e;
        }
    }

    /** True if one of our descriptors names the file by its path, i.e. it was not unlinked meanwhile. */
    private static boolean stillLinked(Path file, ProcFs proc) throws IOException {
        String name = file.toString();
        try (var fds = Files.newDirectoryStream(proc.self().resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(name)) return true;
                } catch (IOException closedMeanwhile) {
                    // descriptors of other threads come and go while we look
                }
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
            lock.release();
            channel.close();
        } finally {
            jvmLock.unlock();
        }
        try {
            Files.deleteIfExists(file.getParent()); // the run directory, once no guest and no lock is left in it
        } catch (DirectoryNotEmptyException inUse) {
            // guests are running, or another lock is held
        }
    }
}
