package org.vserver.net;

import java.io.IOException;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;

/**
 * A request the kernel refused with an NLMSG_ERROR: the request as {@code ip} would be told it
 * ({@code RTM_NEWADDR 127.77.0.1/32 dev lo}) and the errno, so that a caller can treat EEXIST
 * or ENODEV as data.
 */
public final class NetlinkException extends IOException {
    private final String request;
    private final int errno;

    public NetlinkException(String request, int errno) {
        super(request + " failed: " + Errno.name(errno) + " (" + LinuxSyscalls.strerror(errno) + ")");
        this.request = request;
        this.errno = errno;
    }

    public String request() { return request; }

    public int errno() { return errno; }

    /** The message says everything; the stack is the library's, not the caller's concern. */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
