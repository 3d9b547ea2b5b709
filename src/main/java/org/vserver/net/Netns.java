package org.vserver.net;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.vserver.sys.Syscalls;

/**
 * Work done inside another network namespace. setns(CLONE_NEWNET) moves only the calling thread,
 * so each call runs its action on a fresh platform thread that enters the namespace and then ends:
 * no thread of the JVM is ever left in a guest's namespace. Sockets opened by the action (an
 * {@link Rtnetlink}) stay in that namespace; /proc/sys/net opened by it shows that namespace's values.
 */
public final class Netns {
    private Netns() {}

    /**
     * Runs {@code action} in the network namespace {@code nsFd} refers to (e.g. an open
     * {@code /proc/PID/ns/net}) and returns its result; its IOException is rethrown as is.
     */
    public static <T> T inside(Syscalls sys, int nsFd, Callable<T> action) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Writes {@code value} to {@code /proc/sys/KEY} (e.g. {@code net/ipv4/ping_group_range}) inside the namespace. */
    public static void sysctl(Syscalls sys, int nsFd, String key, String value) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
