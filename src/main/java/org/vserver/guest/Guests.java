package org.vserver.guest;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.context.EnterPlanner;
import org.vserver.context.UserNamespace;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.ProcIdMaps;
import org.vserver.state.RunState;
import org.vserver.storage.MountPoints;
import org.vserver.storage.StorageLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;
import org.vserver.sys.Errno;

/**
 * What every lifecycle command needs: is a guest running, and the clean-up of a guest whose init
 * died behind our back (there is no supervisor; the next command notices and cleans up).
 */
public final class Guests {

    private final Vserver vs;

    public Guests(Vserver vs) { this.vs = vs; }

    public Vserver vserver() { return vs; }

    public GuestConfig config(String name) throws ConfigException {
        return ConfigDir.read(vs.config(), name);
    }

    /**
     * How to join guest {@code name} running as {@code st}: its init, its cgroups, and the user
     * namespace the kernel says the init runs in (not the configuration's: that may have changed
     * since the start).
     */
    public EnterPlanner.Target joinTarget(String name, RunState st) throws IOException {
        return new EnterPlanner.Target(st.initPid(), st.initStartTicks(), vs.cgroups().procsFiles(name),
                UserNamespace.of(ProcIdMaps.read(vs.proc().pid(st.initPid()))));
    }

    /** The run state of a guest whose init is still the process recorded at start. */
    public Optional<RunState> running(String name) throws IOException {
        Optional<RunState> st = vs.state().read(name);
        if (st.isEmpty()) return st;
        return GuestProcess.initOf(st.get()).isAlive(vs.proc().root()) ? st : Optional.empty();
    }

    /** The run state of guest {@code name}; {@link GuestNotRunningException} (exit 3) if it is stopped. */
    public RunState requireRunning(String name) throws IOException {
        return running(name).orElseThrow(() -> new GuestNotRunningException(name));
    }

    /**
     * Removes what a dead guest left: processes still in its cgroup (an init that died without
     * its pid namespace taking the rest is impossible, but a failed start may leave a launcher),
     * the cgroup and the run state. Safe to call for a guest that never ran.
     */
    public void cleanup(String name) throws IOException {
        Optional<GuestProcess> monitor = monitor(name);
        killAll(name, Duration.ofSeconds(5));
        vs.cgroups().remove(name);
        try {
            vs.cgroups().removeParent();   // the last guest takes `vservers/` with it: nothing left behind
        } catch (IOException inUse) {
            // another guest's cgroup appeared meanwhile: the parent stays, as it should
        }
        try {
            // a disk image left mounted on the host by a guest that died (after the kill: nothing uses it)
            // The mount table first: the guest's root (a configuration read) only when a private
            // layer of that name is mounted at all, which a guest without a disk image never has.
            String layer = "/" + StorageLayout.PRIVATE + "/" + name + "/layer";
            if (MountPoints.anyEndsWith(vs.proc().self().resolve("mountinfo"), layer))
                new GuestStorages(vs).unmountLayer(StorageLayout.of(vdirOf(name)));
        } catch (IOException e) {
            vs.err().println("vserver: warning: " + e.getMessage());
        }
        undoJournal(name);
        vs.state().remove(name);
        if (monitor.isPresent()) awaitGone(monitor.get(), Duration.ofSeconds(5));
    }

    /**
     * The guest's monitor (launcher/monitor.c) as it recorded itself in {@code RUN/monitor}: "PID
     * STARTTIME". Once the init has gone it finds our lock taken and leaves; a stop waits for that,
     * so that nothing of the guest runs on when it returns.
     */
    private Optional<GuestProcess> monitor(String name) {
        try {
            String[] f = Files.readString(vs.state().guestDir(name).resolve("monitor")).strip().split(" ");
            return Optional.of(new GuestProcess(Integer.parseInt(f[0]), Long.parseLong(f[1])));
        } catch (IOException | RuntimeException none) {
            return Optional.empty();
        }
    }

    private void awaitGone(GuestProcess p, Duration max) throws IOException {
        long end = System.nanoTime() + max.toNanos();
        while (p.isAlive(vs.proc().root()) && System.nanoTime() < end) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The launcher's undo journal of the guest's start (doc/plan-cache.md), undone by the launcher:
     * what the steps above did not already take back (they know the layout; the journal knows
     * exactly what a start, perhaps a killed one, made). One format, one implementation, in C.
     */
    private void undoJournal(String name) throws IOException {
        Path journal = vs.state().root().resolve(name + ".journal");
        if (!Files.exists(journal, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        var pb = new ProcessBuilder(vs.launcher().binary().toString(), "--undo", journal.toString()).redirectErrorStream(true);
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        try {
            if (p.waitFor() != 0)
                throw new IOException("guest " + name + ": undoing " + journal + ": " + said);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while undoing " + journal);
        }
    }

    /** The guest's root; for a guest whose configuration is gone or broken, where it would be. */
    Path vdirOf(String name) throws IOException {
        try {
            if (Files.isDirectory(vs.config().guestDir(name))) return config(name).vdir();
        } catch (ConfigException broken) {
            // fall through
        }
        try {
            return vs.config().vdirBase().resolve(name);
        } catch (ConfigException broken) {
            throw new IOException(broken.getMessage(), broken);
        }
    }

    /** Freezes the guest's cgroup, SIGKILLs every task, thaws, and waits until it is empty. */
    public void killAll(String name, Duration timeout) throws IOException {
        if (!vs.cgroups().exists(name)) return;
        List<Integer> pids = vs.cgroups().processes(name);
        if (pids.isEmpty()) return;
        vs.cgroups().freeze(name, true);     // nothing forks while we kill
        try {
            signal(pids, Syscalls.SIGKILL);
        } finally {
            vs.cgroups().freeze(name, false);
        }
        if (!awaitEmpty(name, timeout))
            throw new IOException("processes " + vs.cgroups().processes(name) + " of guest " + name
                    + " survived SIGKILL for " + timeout.toSeconds() + " s (in uninterruptible sleep?)");
    }

    void signal(List<Integer> pids, int signal) throws ErrnoException {
        for (int pid : pids) {
            try {
                vs.sys().kill(pid, signal);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ESRCH) throw e; // gone meanwhile
            }
        }
    }

    /** Polls until the guest's cgroup holds no process; false on timeout. */
    boolean awaitEmpty(String name, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long sleep = 1;
        while (!vs.cgroups().processes(name).isEmpty()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for guest " + name + " to stop");
            }
            sleep = Math.min(sleep * 2, 50);
        }
        return true;
    }
}
