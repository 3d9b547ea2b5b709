package org.vserver.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.GuestRef;
import org.vserver.guest.GuestStop;
import org.vserver.guest.GuestWait;
import org.vserver.guest.GuestWait.Outcome;
import org.vserver.guest.Guests;
import org.vserver.state.RunState;
import org.vserver.sys.Syscalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vwait [--timeout S] [--terminate] [--status-fd FD] GUEST}: VServer's vwait. One word,
 * FINISHED (exit 0), KILLED (1), TIMEOUT (2) or ERROR (127), goes to stdout or to FD; why an
 * ERROR happened goes to stderr.
 */
@Command(name = "vwait", mixinStandardHelpOptions = true,
        description = {"Wait until a guest has stopped; print FINISHED (exit 0), KILLED (1: its init died of a signal),",
            "TIMEOUT (2) or ERROR (127: not running, or the wait failed)."})
final class VwaitCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--timeout", paramLabel = "S", description = "give up after S seconds (TIMEOUT)")
    Long timeout;

    @Option(names = "--terminate", description = "with --timeout: stop the guest (as `vserver NAME stop`) when the time is up")
    boolean terminate;

    @Option(names = "--status-fd", paramLabel = "FD", description = "write the result to this open file descriptor instead of stdout")
    Integer statusFd;

    @Parameters(paramLabel = "GUEST", description = "guest name or context number") String guest;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);   // its syscalls write --status-fd
        Syscalls sys = guests.vserver().sys();
        if (timeout != null && timeout < 0) {
            err.println("vwait: --timeout must be 0 or more seconds, got " + timeout);
            return report(Outcome.ERROR, sys);
        }
        if (terminate && timeout == null) err.println("vwait: --terminate does nothing without --timeout");
        Outcome outcome;
        try {
            RunState st = GuestRef.requireRunning(guests, guest);     // unknown or stopped: ERROR, saying which
            outcome = new GuestWait(sys, guests.vserver().proc().root())
                    .await(st, Optional.ofNullable(timeout).map(Duration::ofSeconds));
            if (outcome == Outcome.TIMEOUT && terminate) new GuestStop(guests).stop(st.name());
        } catch (Exception e) {
            err.println("vwait: " + Main.message(e));
            return report(Outcome.ERROR, sys);
        }
        return report(outcome, sys);
    }

    private int report(Outcome o, Syscalls sys) throws Exception {
        if (statusFd == null) {
            var out = spec.commandLine().getOut();
            out.println(o.name());
            out.flush();
        } else {
            try {
                sys.write(statusFd, (o.name() + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                spec.commandLine().getErr().println("vwait: --status-fd " + statusFd + ": " + Main.message(e));
                return Outcome.ERROR.exitCode;
            }
        }
        return o.exitCode;
    }
}
