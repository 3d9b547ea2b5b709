package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.context.EnterPlanner;
import org.vserver.context.InitStyle;
import org.vserver.launch.Launcher;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.SignalDisposition;
import org.vserver.state.GuestLock;
import org.vserver.state.RunState;
import org.vserver.sys.Syscalls;

/**
 * {@code vserver NAME stop} (vserver.md §7.6): the style's stop command inside the guest, then
 * the kill sequence ({@code killseq}, default 15 5 9) while the guest still has processes, then
 * SIGKILL for whatever is left in its cgroup; the cgroup and the run state are removed.
 */
public final class GuestStop {
    /** How long the style's stop command may run (util-vserver's sync-timeout). */

    private final Guests guests;
    private final Vserver vs;

    public GuestStop(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    /** @return false if the guest was not running (its leftovers are cleaned up all the same) */
    public boolean stop(String name) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);
        // A guest started without java is stopped the same way (bin/vserver does it without a JVM):
        // the launcher, from the run directory's `stop`, compiled with its start (doc/plan-cache.md).
        if (Files.exists(vs.state().guestDir(name).resolve(PlanCache.STOP))) {
            int rc = launcherStop(name);
            if (rc == 0) return true;
            if (rc != 124) throw new IOException("guest " + name + ": the launcher's stop exited with " + rc + " (what failed is above)");
        }
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            Optional<RunState> st = guests.running(name);
            if (st.isEmpty()) {
                guests.cleanup(name);
                return false;
            }
            InitStyle style = InitStyle.of(cfg.init(), null);
            vs.cgroups().freeze(name, false);   // sched_pause: a frozen guest could neither run its rc nor die of signals
            if (!style.stop().isEmpty()) runStopCommand(cfg, st.get(), style);
            else shutDown(name, st.get(), style.stopSignal(), cfg.init().stopTimeout());
            killSequence(name, cfg.init().killseq());
            guests.cleanup(name);
            return true;
        }
    }

    private int launcherStop(String name) throws IOException {
        var pb = new ProcessBuilder(vs.launcher().binary().toString(), "--stop", vs.state().guestDir(name).toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true);
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        vs.err().print(said);
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping guest " + name);
        }
    }

    /**
     * Runs the style's stop command inside the guest for at most {@code apps/init/timeout.stop} seconds.
     * One that is still running afterwards is ended by the kill sequence: its launcher joined the
     * guest's cgroup.
     */
    private void runStopCommand(GuestConfig cfg, RunState st, InitStyle style) throws IOException {
        var target = guests.joinTarget(cfg.name(), st);
        var cmd = new EnterPlanner.Command(style.stop(), EnterPlanner.User.ROOT, false, style.stopEnv());
        var plan = new EnterPlanner().plan(cfg, target, cmd, false);
        int in = vs.sys().open("/dev/null", Syscalls.O_RDONLY, 0);
        var ex = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<?> f = ex.submit(() -> vs.launcher().run(plan, new Launcher.Stdio.Fds(in, 1, 2), new Launcher.Host() {}));
            try {
                f.get(cfg.init().stopTimeout() * 1000L, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                vs.err().println("vserver: " + String.join(" ", style.stop()) + " in guest " + cfg.name()
                        + " did not finish in " + cfg.init().stopTimeout() + " s (apps/init/timeout.stop); killing the guest");
                killSequence(cfg.name(), cfg.init().killseq());
                guests.killAll(cfg.name(), java.time.Duration.ofSeconds(5));
                f.get();
            }
        } catch (ExecutionException e) {
            vs.err().println("vserver: stop command of guest " + cfg.name() + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping guest " + cfg.name());
        } finally {
            ex.shutdown();
            vs.sys().close(in);
        }
    }

    /**
     * Asks the init to shut down by its style's signal (plain: ctrl-alt-del, SIGINT; systemd:
     * SIGRTMIN+3) and waits up to {@code timeoutSeconds} for it to exit, if it catches that signal
     * at all: a PID 1 never dies of one it neither handles nor has at its default.
     */
    private void shutDown(String name, RunState st, int signal, int timeoutSeconds) throws IOException {
        int init = st.initPid();
        boolean catches;
        try {
            catches = SignalDisposition.read(vs.proc().pid(init)).mayEndOn(signal);
        } catch (IOException gone) {
            return;
        }
        signalInit(st, signal);
        if (!catches) return;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (guests.running(name).isPresent() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping guest " + name);
            }
        }
    }

    /** Through a pidfd of the recorded init: one that died since it was found running, its pid reused, is not hit. */
    private void signalInit(RunState st, int signal) throws IOException {
        new PidfdSignal(vs.sys(), vs.proc().root()).send(GuestProcess.initOf(st), pid -> true, signal);
    }

    /**
     * {@code killseq}: {@code sig [wait sig]*}; each signal goes to every process while any is left.
     * The wait after a signal ends early once no process left could still end on it: one that
     * neither catches it nor dies by its default action (a guest's init without a handler: the
     * kernel drops the signal) would only be waited for in vain.
     */
    void killSequence(String name, List<Integer> killseq) throws IOException {
        for (int i = 0; i < killseq.size(); i += 2) {
            List<Integer> pids = vs.cgroups().processes(name);
            if (pids.isEmpty()) return;
            int signal = killseq.get(i);
            guests.signal(pids, signal);
            Duration wait = Duration.ofSeconds(i + 1 < killseq.size() ? killseq.get(i + 1) : 1);
            if (awaitEnd(name, wait, signal)) return;
        }
    }

    /** True once the guest's cgroup is empty; false on timeout, or as soon as {@code signal} can end none of what is left. */
    private boolean awaitEnd(String name, Duration wait, int signal) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        long sleep = 1;
        while (true) {
            List<Integer> left = vs.cgroups().processes(name);
            if (left.isEmpty()) return true;
            if (!anyMayEnd(left, signal) || System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping guest " + name);
            }
            sleep = Math.min(sleep * 2, 50);
        }
    }

    private boolean anyMayEnd(List<Integer> pids, int signal) {
        for (int pid : pids) {
            try {
                if (SignalDisposition.read(vs.proc().pid(pid)).mayEndOn(signal)) return true;
            } catch (IOException gone) {
                // exited meanwhile: ends nothing more
            }
        }
        return false;
    }
}
