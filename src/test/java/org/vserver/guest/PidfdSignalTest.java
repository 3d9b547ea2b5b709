package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.proc.GuestProcess;

/** The recycled-pid guard: the process behind the pidfd must still be the one chosen. */
class PidfdSignalTest {
    @TempDir Path proc;
    final RecordingSyscalls sys = new RecordingSyscalls();

    @Test
    void theChosenProcessIsSignalledThroughItsPidfd() throws Exception {
        FakeProc.process(proc, 4242, 'S', 1000, 0);
        var r = new PidfdSignal(sys, proc).send(new GuestProcess(4242, 1000), pid -> true, 15);
        assertEquals(PidfdSignal.Result.SENT, r);
        assertEquals(List.of("pidfd_open 4242 = 100", "pidfd_send_signal 100 15", "close 100"), sys.calls);
    }

    @Test
    void aRecycledPidIsRefusedByItsStartTime() throws Exception {
        FakeProc.process(proc, 4242, 'S', 2000, 0);        // pid 4242 now belongs to a younger process
        var r = new PidfdSignal(sys, proc).send(new GuestProcess(4242, 1000), pid -> true, 9);
        assertEquals(PidfdSignal.Result.GONE, r);
        assertEquals(List.of("pidfd_open 4242 = 100", "close 100"), sys.calls, "opened and closed, never signalled");
    }

    @Test
    void aProcessThatLeftTheGuestIsRefused() throws Exception {
        FakeProc.process(proc, 4242, 'S', 1000, 0);
        var r = new PidfdSignal(sys, proc).send(new GuestProcess(4242, 1000), pid -> false, 9);
        assertEquals(PidfdSignal.Result.GONE, r);
        assertEquals(List.of("pidfd_open 4242 = 100", "close 100"), sys.calls);
    }

    @Test
    void anExitedProcessIsGone() throws Exception {
        sys.gone.add(4242);
        assertEquals(PidfdSignal.Result.GONE, new PidfdSignal(sys, proc).send(new GuestProcess(4242, 1000), pid -> true, 9));
        FakeProc.process(proc, 77, 'S', 5, 0);
        sys.calls.clear();
        // /proc/78 absent: exited after the open; the check refuses and the fd is still closed
        assertEquals(PidfdSignal.Result.GONE, new PidfdSignal(sys, proc).send(new GuestProcess(78, 5), pid -> true, 9));
        assertEquals(List.of("pidfd_open 78 = 100", "close 100"), sys.calls);
    }
}
