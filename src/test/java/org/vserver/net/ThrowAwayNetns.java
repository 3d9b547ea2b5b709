package org.vserver.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.sys.Syscalls;

/**
 * A network namespace with no name and no process: a thread unshares it, opens its
 * /proc/thread-self/ns/net and ends; the fd is the only reference, so {@link #close} makes the
 * kernel tear it down with everything in it (a veth takes its peer along).
 */
final class ThrowAwayNetns implements AutoCloseable {
    final Syscalls sys;
    final int fd;

    ThrowAwayNetns(Syscalls sys) throws IOException {
        this.sys = sys;
        int[] got = {-1};
        IOException[] failed = {null};
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                sys.unshare(Syscalls.CLONE_NEWNET);
                got[0] = sys.open("/proc/thread-self/ns/net", Syscalls.O_RDONLY, 0);
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        if (failed[0] != null) throw failed[0];
        fd = got[0];
    }

    /** {@code net:[INODE]} of the namespace, to tell it from the host's. */
    String id() throws IOException { return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString(); }

    <T> T inside(java.util.concurrent.Callable<T> action) throws IOException { return Netns.inside(sys, fd, action); }

    Rtnetlink rtnetlink() throws IOException { return inside(() -> Rtnetlink.open(sys)); }

    @Override
    public void close() { sys.close(fd); }
}
