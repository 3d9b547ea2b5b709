package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.vserver.state.Xid;

/**
 * Static XIDs for {@code build} (reference §4.1): {@code .defaults/context.next}, starting at
 * {@code .defaults/context.start} or 40000, skipping ids another guest's {@code context} already
 * holds, then incremented.
 *
 * <p>Two builds must never get the same id, whether they run in two JVMs or two threads: a
 * {@link ConfigLock} on {@code .defaults/context.next.lock} serializes them.
 */
public final class XidAllocator {
    /** util-vserver's packaged {@code context.start}. */
    public static final int DEFAULT_START = 40000;

    /** Not configuration state: only serializes this JVM's threads before they take the file lock. */
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();

    /** Allocates the next free static XID and records the one after it in {@code context.next}. */
    public int next(ConfigRoot root) throws IOException, ConfigException {
        Path defaults = root.defaultsDir();
        Files.createDirectories(defaults);
        try (ConfigLock _ = ConfigLock.acquire(JVM_LOCK, defaults.resolve("context.next.lock"))) {
            Path nextFile = defaults.resolve("context.next");
            int xid = start(nextFile, defaults.resolve("context.start"));
            Set<Integer> used = usedXids(root);
            while (used.contains(xid)) xid++;
            if (xid > Xid.LAST_STATIC)
                throw new ConfigException(nextFile, "no static XID left (" + xid + " > " + Xid.LAST_STATIC
                        + "): lower context.next or give --context");
            ConfigFiles.writeAtomically(nextFile, (xid + 1) + "\n");
            return xid;
        }
    }

    /**
     * Returns {@code xid}, taken by {@link #next} for a build that failed: {@code context.next} goes
     * back to it, unless another build took a later one meanwhile (then it stays a gap, as in
     * util-vserver).
     */
    public void giveBack(ConfigRoot root, int xid) throws IOException, ConfigException {
        Path defaults = root.defaultsDir();
        try (ConfigLock _ = ConfigLock.acquire(JVM_LOCK, defaults.resolve("context.next.lock"))) {
            Path nextFile = defaults.resolve("context.next");
            Optional<ConfigFiles.Content> c = ConfigFiles.read(nextFile);
            if (c.isPresent() && ConfigDir.context(c.get()) == xid + 1) ConfigFiles.writeAtomically(nextFile, xid + "\n");
        }
    }

    private static int start(Path nextFile, Path startFile) throws ConfigException {
        Optional<ConfigFiles.Content> c = ConfigFiles.read(nextFile);
        if (c.isEmpty()) c = ConfigFiles.read(startFile);
        return c.isPresent() ? ConfigDir.context(c.get()) : DEFAULT_START;
    }

    /**
     * The ids in every guest's {@code context} file. A file that does not parse is skipped here: it
     * names no id to avoid, and {@code read} reports it when that guest is used.
     */
    static Set<Integer> usedXids(ConfigRoot root) throws ConfigException {
        var used = new HashSet<Integer>();
        for (String g : root.guestNames()) {
            try {
                Optional<ConfigFiles.Content> c = ConfigFiles.read(root.confdir().resolve(g).resolve("context"));
                if (c.isPresent()) used.add(ConfigDir.context(c.get()));
            } catch (ConfigException e) {
                // see above: an unreadable or bad context file blocks nothing here
            }
        }
        return used;
    }
}
