package org.vserver.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.vserver.sys.ProcFs;
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
     * {@code /proc/PID/ns/net}) and returns its result; its IOException (and unchecked exceptions)
     * are rethrown as they are, another checked exception inside an IOException. The caller waits
     * for the action even when interrupted (its interrupt status is kept): the action is short, and
     * returning early would leave it running behind the caller's back.
     */
    public static <T> T inside(Syscalls sys, int nsFd, Callable<T> action) throws IOException {
        Outcome<T> outcome = new Outcome<>();
        // a platform thread of its own: a virtual thread's carrier would carry the namespace to others
        Thread t = Thread.ofPlatform().daemon().name("netns-fd" + nsFd).unstarted(() -> {
            try {
                sys.setns(nsFd, Syscalls.CLONE_NEWNET);
                outcome.value = action.call();
            } catch (Throwable e) {
                outcome.failure = e;
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable f = outcome.failure;
        if (f == null) return outcome.value;
        if (f instanceof IOException e) throw e;
        if (f instanceof RuntimeException e) throw e;
        if (f instanceof Error e) throw e;
        throw new IOException("in network namespace fd " + nsFd + ": " + f, f);
    }

    /** The action's result or what it threw; written by the thread, read after join (which orders them). */
    private static final class Outcome<T> {
        T value;
        Throwable failure;
    }

    /**
     * Writes {@code value} to {@code /proc/sys/KEY} (e.g. {@code net/ipv4/ping_group_range}) inside
     * the namespace; {@code proc} is the host's /proc, opened from in there.
     */
    public static void sysctl(Syscalls sys, ProcFs proc, int nsFd, String key, String value) throws IOException {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..")) throw new IllegalArgumentException("sysctl key '" + key + "' must be relative to /proc/sys, e.g. net/ipv4/ping_group_range");
        String path = proc.sysctl(key).toString();
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try {
            inside(sys, nsFd, () -> {
                // the file is bound to the namespace of the thread that opens it, so open it in there
                int fd = sys.open(path, Syscalls.O_WRONLY, 0);
                try {
                    sys.write(fd, bytes);
                } finally {
                    sys.close(fd);
                }
                return null;
            });
        } catch (IOException e) {
            throw new IOException("sysctl " + key + "=" + value + " in network namespace fd " + nsFd + " failed: " + e.getMessage(), e);
        }
    }
}
