package org.vserver.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock for an allocation under {@code .defaults/}, held across processes and threads:
 * two builds must never be handed the same XID or the same id range.
 *
 * <p>Between processes an exclusive {@code fcntl} lock on {@code file} serializes them. That file
 * is never deleted, so there is no window in which two processes lock two different inodes. Within
 * one JVM the lock is held per process, not per thread (a second {@code lock()} throws
 * {@code OverlappingFileLockException}), so the caller's JVM-wide mutex for that file is taken first.
 */
final class ConfigLock implements AutoCloseable {
    private final ReentrantLock jvmLock;
    private final FileChannel channel;

    private ConfigLock(ReentrantLock jvmLock, FileChannel channel) {
        this.jvmLock = jvmLock;
        this.channel = channel;
    }

    /** Takes {@code jvmLock}, then the file lock on {@code file} (created if missing); blocks until both are held. */
    static ConfigLock acquire(ReentrantLock jvmLock, Path file) throws IOException {
        jvmLock.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock _ = ch.lock();   // released when the channel closes
            return new ConfigLock(jvmLock, ch);
        } catch (IOException | RuntimeException e) {
            if (ch != null) ch.close();
            jvmLock.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            jvmLock.unlock();
        }
    }
}
