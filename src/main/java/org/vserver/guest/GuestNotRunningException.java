package org.vserver.guest;

import java.io.IOException;

/** The command needs a running guest. The CLI exits with VServer's status code for "stopped" (3). */
public final class GuestNotRunningException extends IOException {
    public GuestNotRunningException(String name) {
        super("guest '" + name + "' is not running: start it with `vserver " + name + " start`");
    }

    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
