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

    public ErrnoException(String syscall, String path, int errno, String description) {
        super(syscall + (path == null ? "()" : "(`" + path + "`)") + " failed: " + description + " (" + Errno.name(errno) + ")");
        this.syscall = syscall;
        this.path = path;
        this.errno = errno;
    }

    public String syscall() { return syscall; }

    public String path() { return path; }

    public int errno() { return errno; }

    /** The stack trace of a syscall failure is noise: the message says everything (as UnixException does). */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
