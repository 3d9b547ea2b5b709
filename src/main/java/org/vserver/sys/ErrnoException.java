package org.vserver.sys;

import java.io.IOException;

/**
 * A failed syscall, errno as data. The message follows the project rule:
 * {@code mount(`/proc`) failed: Operation not permitted (EPERM)}.
 */
public final class ErrnoException extends IOException {
    private final String syscall;
    private final String path;
    private final int errno;
    private final String description;

    public ErrnoException(String syscall, String path, int errno, String description) {
        super(syscall + (path == null ? "()" : "(`" + path + "`)") + " failed: " + description + " (" + Errno.name(errno) + ")");
        this.syscall = syscall;
        this.path = path;
        this.errno = errno;
        this.description = description;
    }

    /**
     * The same failure naming {@code path} instead: a call made through a directory fd knows only the
     * last component ({@code openat(fd, "passwd")}), its caller the path the user gave.
     */
    public ErrnoException at(String path) { return new ErrnoException(syscall, path, errno, description); }

    public String syscall() { return syscall; }

    public String path() { return path; }

    public int errno() { return errno; }

    /** The stack trace of a syscall failure is noise: the message says everything (as UnixException does). */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
