package org.vserver.guest;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntConsumer;
import org.vserver.context.ContextPlanner;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.plan.Plan;
import org.vserver.plan.Sync;
import org.vserver.proc.ProcStat;
import org.vserver.state.RunState;
import org.vserver.state.Xid;

/**
 * {@code vcontext --create}: a context that lives as long as its command. It gets a run-state
 * entry named {@code ctx-XID} (no configuration), so vps shows "XID ctx-XID" for its processes and
 * vserver-stat lists it; its cgroup has the same name under the guests' parent. Both are removed
 * when the command ends, however it ends (exit, signal, failed exec, the caller interrupted).
 */
public final class ThrowAwayContext {
    /** VServer's exit code for "context already exists". */
    public static final int EXIT_EXISTS = 254;

    /** The prefix of a throw-away context's run-state and cgroup name. */
    private static final String PREFIX = "ctx-";

    private final Guests guests;
    private final Vserver vs;

    public ThrowAwayContext(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    /** A throw-away context's name: never a guest's, since configurations are not looked up for it. */
    public static String name(int xid) { return PREFIX + xid; }

    /** The XID a throw-away context's name holds; empty for any other name. */
    public static OptionalInt xidOf(String name) {
        if (!name.startsWith(PREFIX)) return OptionalInt.empty();
        OptionalInt x = Xid.parse(name.substring(PREFIX.length()));
        return x.isPresent() && Xid.isGuest(x.getAsInt()) ? x : OptionalInt.empty();
    }

    /** Whether a run-state name belongs to a throw-away context rather than a configured guest. */
    public static boolean isContext(String name) { return xidOf(name).isPresent(); }

    /** Refused: the XID is taken. */
    public static final class XidTakenException extends IOException {
        public XidTakenException(String message) { super(message); }
    }

    /**
     * Runs the command; {@code announce} gets the XID once it is claimed, before the command runs.
     *
     * @return the command's exit code (128+N if killed by signal N), or 125 if it did not start
     */
    public int run(OptionalInt wanted, int uid, List<String> argv, IntConsumer announce) throws IOException {
        int xid = claim(wanted);
        String name = name(xid);
        Thread interrupted = new Thread(() -> cleanupQuietly(name));   // ^C or kill of the JVM: nothing left behind
        Runtime.getRuntime().addShutdownHook(interrupted);
        try {
            announce.accept(xid);
            vs.cgroups().create(name);
            Plan plan = ContextPlanner.plan(new ContextPlanner.Request(vs.cgroups().procsFiles(name), uid, argv, vs.environment()));
            return launch(xid, name, plan);
        } catch (StepFailedException e) {
            vs.err().println("vcontext: " + e.brief());
            return GuestJoin.EXIT_SETUP;
        } finally {
            guests.cleanup(name);
            try {
                Runtime.getRuntime().removeShutdownHook(interrupted);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway; cleanup is idempotent
            }
        }
    }

    private int launch(int xid, String name, Plan plan) throws IOException {
        var result = vs.launcher().run(plan, Launcher.Stdio.INHERIT, new Launcher.Host() {
            int child;

            @Override
            public void childPid(int pid) { child = pid; }

            @Override
            public void sync(Sync sync) throws IOException {
                if (sync != Sync.GUEST_PID) return;
                long start = ProcStat.read(vs.proc().root(), child)
                        .orElseThrow(() -> new IOException("the context's first process (pid " + child + ") died at once"))
                        .startTicks();
                new RunState(name, xid, child, start, System.currentTimeMillis(), vs.cgroupParent())
                        .write(vs.state().stateFile(name));
            }
        });
        return result.exitCode();
    }

    /**
     * Takes the XID: the run-state directory is made with one mkdir, so two creates never share
     * one. A dynamic XID moves on to the next free one; a given one (2..65535) that is taken
     * fails with exit code 254.
     */
    int claim(OptionalInt wanted) throws IOException {
        if (wanted.isPresent()) {
            int x = wanted.getAsInt();
            if (!Xid.isGuest(x)) throw new IllegalArgumentException("XID " + x + " is not a guest's (Xid.parseGuest checks it)");
            var holder = GuestRef.holder(guests, x);
            if (holder.isPresent())
                throw new XidTakenException("context " + x + " already exists (guest '" + holder.get().name() + "')");
            if (!mkdir(name(x))) throw new XidTakenException("context " + x + " already exists");
            return x;
        }
        // Lowest first, as guests get theirs; an id whose directory another create has just made is skipped.
        var used = vs.state().xids(null);
        for (int x = Xid.FIRST_DYNAMIC; x <= Xid.LAST_DYNAMIC; x++)
            if (!used.contains(x) && mkdir(name(x))) return x;
        throw new IOException(Xid.noFreeDynamic());
    }

    private boolean mkdir(String name) throws IOException {
        Files.createDirectories(vs.state().root());
        Path d = vs.state().guestDir(name);
        // A stale entry of a context whose vcontext was SIGKILLed: its command is gone, so is the XID.
        if (Files.isDirectory(d) && guests.running(name).isEmpty() && Files.exists(vs.state().stateFile(name))) guests.cleanup(name);
        try {
            Files.createDirectory(d, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            return true;
        } catch (FileAlreadyExistsException taken) {
            return false;
        }
    }

    private void cleanupQuietly(String name) {
        try {
            guests.cleanup(name);
        } catch (IOException e) {
            vs.err().println("vcontext: cleaning up " + name + ": " + e.getMessage());
        }
    }

}
