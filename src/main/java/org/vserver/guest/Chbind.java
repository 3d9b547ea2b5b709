package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.vserver.context.ChbindPlanner;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.net.BindPolicy;
import org.vserver.net.ChbindCgroup;
import org.vserver.plan.Plan;
import org.vserver.plan.Sync;
import org.vserver.proc.ProcStatus;
import org.vserver.state.GuestLock;

/**
 * {@code chbind}: a host command restricted to a set of addresses, by running it in the cgroup of
 * its policy ({@link ChbindCgroup}). One lock (RUNDIR/chbind.lock) covers the sweep of stale
 * cgroups, the making or reuse of this one and the command's join, and later its removal: so a
 * cgroup is never removed between being chosen and being joined, and never joined before its
 * programs are attached. The command runs as the launcher itself: its exit code is chbind's.
 */
public final class Chbind {
    /** The lock's name in the run directory. */
    static final String LOCK = "chbind";

    private final Vserver vs;

    public Chbind(Vserver vs) { this.vs = vs; }

    /**
     * Runs {@code argv} under {@code policy}; {@code announce} gets the cgroup's name if it was made now.
     *
     * @return the command's exit code (128+N if killed by signal N), or 125 if it did not start
     */
    public int run(BindPolicy policy, List<String> argv, boolean secure, Consumer<String> announce) throws IOException {
        String name = ChbindCgroup.name(policy);
        Path dir = vs.cgroups().bpfDir(name).orElseThrow(() -> new IOException(
                "chbind needs a cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified) for its programs: none is mounted"));
        Optional<ChbindPlanner.Caps> caps = secure ? Optional.of(callerCaps()) : Optional.empty();
        Plan plan = ChbindPlanner.plan(dir.resolve("cgroup.procs"), argv, vs.environment(), caps);
        Path lockFile = vs.state().lockFile(LOCK);
        // ^C reaches the command and the JVM alike: once the command is gone, its cgroup goes too.
        Thread interrupted = new Thread(() -> removeQuietly(dir));
        Runtime.getRuntime().addShutdownHook(interrupted);
        GuestLock[] held = {GuestLock.acquire(lockFile, vs.proc())};
        try {
            ChbindCgroup.sweep(dir.getParent());
            if (ChbindCgroup.prepare(vs.sys(), dir, policy)) announce.accept(name);
            return vs.launcher().run(plan, Launcher.Stdio.INHERIT, new Launcher.Host() {
                @Override
                public void sync(Sync sync) throws IOException {
                    if (sync != Sync.GUEST_PID || held[0] == null) return;
                    held[0].close();                           // joined: the cgroup is populated now
                    held[0] = null;
                }
            }).exitCode();
        } catch (StepFailedException e) {
            vs.err().println("chbind: " + e.brief());
            return GuestJoin.EXIT_SETUP;
        } finally {
            if (held[0] != null) held[0].close();
            try (GuestLock l = GuestLock.acquire(lockFile, vs.proc())) {
                ChbindCgroup.removeIfEmpty(dir);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(interrupted);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway; removal is idempotent
                }
            }
        }
    }

    /** The JVM's capability sets, which the launcher inherits. */
    private ChbindPlanner.Caps callerCaps() throws IOException {
        Path self = vs.proc().self();
        return new ChbindPlanner.Caps(ProcStatus.capabilities(self, "CapBnd"), ProcStatus.capabilities(self, "CapEff"),
                ProcStatus.capabilities(self, "CapPrm"), ProcStatus.capabilities(self, "CapInh"),
                ProcStatus.capabilities(self, "CapAmb"));
    }

    /** No lock here: the main thread may hold it, and a chbind that loses this race only fails to start. */
    private void removeQuietly(Path dir) {
        try {
            long deadline = System.nanoTime() + 2_000_000_000L;      // the command is exiting from the same signal
            while (!ChbindCgroup.removeIfEmpty(dir) && System.nanoTime() - deadline < 0) Thread.sleep(50);
        } catch (IOException e) {
            vs.err().println("chbind: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
