package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.vserver.config.ConfigException;
import org.vserver.fs.BuildException;
import org.vserver.state.GuestLock;

/**
 * The source tree of {@code build -m clone}, held still while cp or tar copies it.
 *
 * <p>cp walks the source by path names. If a guest's process can rename things in the tree during
 * the copy, it can swap a directory for a link to a host path ({@code renameat2(RENAME_EXCHANGE)})
 * the moment cp has listed it, and cp goes on through the link and copies host files (the host's
 * /etc with its shadow) into the new guest. So no process of a guest whose tree overlaps the source
 * may run during the copy:
 * <ul>
 * <li>each such guest's lock is held, so it is not started, stopped or thawed (vsched
 *     ~sched_pause) meanwhile;</li>
 * <li>a guest with any process in its cgroup is frozen (the cgroup freezer), and the kernel must
 *     say "frozen" before the copy starts. A process that joins it meanwhile ({@code vserver exec}
 *     moves into the guest's cgroup) is frozen as it joins. A host without a freezer cannot hold a
 *     running guest still: the clone is refused;</li>
 * <li>on {@link #close} (success, failure, or the JVM shutting down on SIGINT/SIGTERM) the copy's
 *     processes are gone first and then the guest is thawed, unless it was frozen before
 *     (sched_pause), in which case it stays so.</li>
 * </ul>
 * A plain directory that belongs to no guest has no guest process that could race the copy.
 */
final class CloneSource implements AutoCloseable {
    private static final String METHOD = "clone";

    private final Vserver vs;
    private final List<GuestLock> locks = new ArrayList<>();
    private final List<String> frozen = new ArrayList<>();
    private final Thread onShutdown = new Thread(this::abandon, "vserver-clone-thaw");
    private boolean hookAdded;

    private CloneSource(Vserver vs) {
        this.vs = vs;
    }

    /**
     * Locks, and freezes where they run, the guests whose root contains {@code source} or lies
     * inside it, in name order (the order every multi-guest lock is taken in).
     */
    static CloneSource hold(Guests guests, Path source, Consumer<String> progress)
            throws IOException, ConfigException, BuildException {
        CloneSource held = new CloneSource(guests.vserver());
        try {
            for (String name : overlapping(guests, source)) held.holdStill(name, progress);
            return held;
        } catch (IOException | ConfigException | BuildException | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /** The guests whose vdir (links resolved) contains {@code source} or is contained in it. */
    static List<String> overlapping(Guests guests, Path source) throws IOException, ConfigException {
        if (!Files.isDirectory(source)) return List.of();
        Path src = source.toRealPath();
        var names = new TreeSet<>(guests.vserver().config().guestNames());
        names.addAll(guests.vserver().state().names());
        List<String> found = new ArrayList<>();
        for (String n : names) {
            Path vdir;
            try {
                vdir = guests.config(n).vdir();
            } catch (ConfigException broken) {
                vdir = guests.vserver().config().vdirBase().resolve(n);
            }
            if (!Files.isDirectory(vdir)) continue;
            Path real = vdir.toRealPath();
            if (src.startsWith(real) || real.startsWith(src)) found.add(n);
        }
        return found;
    }

    private void holdStill(String name, Consumer<String> progress) throws IOException, BuildException {
        locks.add(GuestLock.acquire(vs.state().lockFile(name), vs.proc()));
        var cgroups = vs.cgroups();
        if (!cgroups.exists(name) || cgroups.processes(name).isEmpty()) return;   // nothing of it runs
        if (cgroups.counters(name).frozen()) {
            progress.accept("guest " + name + " is paused (sched_pause): copying it as it is");
            return;
        }
        progress.accept("freezing guest " + name + " for the copy; it runs again when the copy is done");
        if (!hookAdded) {
            Runtime.getRuntime().addShutdownHook(onShutdown);
            hookAdded = true;
        }
        frozen.add(name);     // before the attempt: a freeze that half-happened is undone too
        cgroups.freeze(name, true);
        if (!cgroups.counters(name).frozen())
            throw new BuildException(METHOD, "guest " + name + " is running and this host has no cgroup freezer to hold"
                    + " it still during the copy (" + cgroups.version() + "): a running guest's processes could swap"
                    + " its files for links to host files while they are copied; stop it first (vserver " + name
                    + " stop), or mount the freezer controller");
    }

    /** Thaws what this froze and releases the locks; safe to call twice. */
    @Override
    public void close() throws IOException {
        IOException failed = null;
        synchronized (this) {
            for (String name : frozen.reversed()) {
                try {
                    vs.cgroups().freeze(name, false);
                } catch (IOException e) {
                    failed = new IOException("guest " + name + " stays frozen after the clone: " + e.getMessage()
                            + "; thaw it with `vsched --xid " + name + " --flag ~sched_pause`", e);
                }
            }
            frozen.clear();
        }
        for (GuestLock l : locks.reversed()) {
            try {
                l.close();
            } catch (IOException e) {
                if (failed == null) failed = e;
            }
        }
        locks.clear();
        if (hookAdded) {
            try {
                Runtime.getRuntime().removeShutdownHook(onShutdown);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it thaws
            }
            hookAdded = false;
        }
        if (failed != null) throw failed;
    }

    /**
     * The JVM is going down (SIGINT, SIGTERM) in the middle of the copy. The copy's processes are
     * killed first: a cp that went on after the thaw would race the guest again. Then the thaw.
     */
    private void abandon() {
        // The build's thread runs on while this hook does: it may be about to start the copy (cp
        // spawned just after a one-time look would outlive the JVM and race the thawed guest). So
        // keep killing until no child has shown up for a while (bounded: the thaw must happen).
        long quietSince = System.nanoTime(), deadline = quietSince + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300) && System.nanoTime() < deadline) {
            for (ProcessHandle child : ProcessHandle.current().children().toList()) {
                child.destroyForcibly();
                try {
                    child.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception stillThere) {
                    // the thaw below must happen anyway
                }
                quietSince = System.nanoTime();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            for (String name : frozen.reversed()) {
                try {
                    vs.cgroups().freeze(name, false);
                } catch (IOException e) {
                    vs.err().println("vserver: guest " + name + " stays frozen: " + e.getMessage()
                            + "; thaw it with `vsched --xid " + name + " --flag ~sched_pause`");
                }
            }
            frozen.clear();
        }
    }
}
