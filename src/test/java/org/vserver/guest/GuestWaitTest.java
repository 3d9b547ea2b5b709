package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.guest.GuestWait.Outcome;
import org.vserver.state.RunState;

class GuestWaitTest {
    @TempDir Path proc;
    final RecordingSyscalls sys = new RecordingSyscalls();
    final RunState st = new RunState("web", 40001, 4242, 1000, 0, "vservers");

    private Outcome await(Optional<Duration> timeout) throws Exception { return new GuestWait(sys, proc).await(st, timeout); }

    @Test
    void exitCodeIsFinishedAndASignalIsKilled() {
        assertEquals(Outcome.FINISHED, GuestWait.classify(OptionalInt.of(0)));
        assertEquals(Outcome.FINISHED, GuestWait.classify(OptionalInt.of(3 << 8)), "exit 3 still finished");
        assertEquals(Outcome.KILLED, GuestWait.classify(OptionalInt.of(9)));
        assertEquals(Outcome.KILLED, GuestWait.classify(OptionalInt.of(0x80 | 11)), "SIGSEGV with a core");
        assertEquals(Outcome.FINISHED, GuestWait.classify(OptionalInt.empty()), "no status: finished");
        assertEquals(List.of(0, 1, 2, 127), List.of(Outcome.FINISHED.exitCode, Outcome.KILLED.exitCode,
                Outcome.TIMEOUT.exitCode, Outcome.ERROR.exitCode));
    }

    @Test
    void pollsTheInitsPidfdWithTheTimeout() throws Exception {
        FakeProc.process(proc, 4242, 'S', 1000, 0);
        assertEquals(Outcome.TIMEOUT, await(Optional.of(Duration.ofSeconds(2))));
        assertEquals(List.of("pidfd_open 4242 = 100", "poll 100 2000", "close 100"), sys.calls);
    }

    @Test
    void theStatusComesFromThePidfdElseFromTheZombie() throws Exception {
        FakeProc.process(proc, 4242, 'S', 1000, 0);
        sys.readable = true;
        sys.exitStatus = OptionalInt.of(9);
        assertEquals(Outcome.KILLED, await(Optional.empty()));
        assertEquals("poll 100 -1", sys.calls.get(1), "no timeout: waits forever");

        sys.exitStatus = OptionalInt.empty();                  // not reaped yet: the pidfd has no exit info
        FakeProc.process(proc, 4242, 'Z', 1000, 15);
        assertEquals(Outcome.KILLED, await(Optional.empty()), "the zombie's exit_code: killed by SIGTERM");
        FakeProc.process(proc, 4242, 'Z', 1000, 0);
        assertEquals(Outcome.FINISHED, await(Optional.empty()));
    }

    @Test
    void anInitThatIsGoneOrReplacedHasFinished() throws Exception {
        FakeProc.process(proc, 4242, 'S', 2000, 0);            // pid reused by another process
        assertEquals(Outcome.FINISHED, await(Optional.empty()));
        assertEquals(List.of("pidfd_open 4242 = 100", "close 100"), sys.calls, "the other process is not waited for");
        sys.gone.add(4242);
        assertEquals(Outcome.FINISHED, await(Optional.empty()));
    }
}
