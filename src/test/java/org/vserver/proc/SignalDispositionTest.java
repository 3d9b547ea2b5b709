package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignalDispositionTest {
    static final int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15, SIGCHLD = 17, SIGSTOP = 19;

    /** /proc/PID/status of `sleep` as a guest's init: no handler at all (NSpid host pid, then 1). */
    static final List<String> SLEEP_AS_INIT = List.of("Name:\tsleep", "NSpid:\t4242\t1", "SigBlk:\t0000000000000000",
            "SigIgn:\t0000000000000000", "SigCgt:\t0000000000000000");
    /** A sysv init (catches TERM, INT, HUP, CHLD...) as a guest's init. */
    static final List<String> SYSV_INIT = List.of("NSpid:\t4243\t1", "SigIgn:\t0000000000000000", "SigCgt:\t0000000000014003");
    /** A daemon inside the guest that ignores HUP. */
    static final List<String> DAEMON = List.of("NSpid:\t4300\t57", "SigIgn:\t0000000000000001", "SigCgt:\t0000000000000000");

    @Test
    void aNamespaceInitWithoutAHandlerCannotEndOnTerm() {
        var d = SignalDisposition.parse(SLEEP_AS_INIT);
        assertTrue(d.namespaceInit());
        assertFalse(d.mayEndOn(SIGTERM), "the kernel drops TERM for a pid namespace's init without a handler");
        assertFalse(d.mayEndOn(SIGINT));
        assertTrue(d.mayEndOn(SIGKILL), "SIGKILL from an ancestor namespace always gets through");
    }

    @Test
    void aHandlerMayEndIt() {
        var d = SignalDisposition.parse(SYSV_INIT);
        assertEquals(0x14003L, d.caught());
        assertTrue(d.mayEndOn(SIGTERM));
        assertTrue(d.mayEndOn(SIGINT));
        assertTrue(d.mayEndOn(SIGHUP));
    }

    @Test
    void anOrdinaryProcessEndsByDefaultUnlessItIgnores() {
        var d = SignalDisposition.parse(DAEMON);
        assertFalse(d.namespaceInit(), "pid 57 in its namespace");
        assertTrue(d.mayEndOn(SIGTERM), "default action: terminate");
        assertFalse(d.mayEndOn(SIGHUP), "ignored");
        assertFalse(d.mayEndOn(SIGCHLD), "default action: ignore");
        assertFalse(d.mayEndOn(SIGSTOP), "default action: stop, not end");
    }

    /** systemd as a guest's init, as this host showed it: crash handlers caught, the rest read by signalfd (blocked). */
    static final List<String> SYSTEMD_INIT = List.of("NSpid:\t15773\t1", "SigBlk:\t7fe3c0fe28014a03", "SigIgn:\t0000000000001000",
            "SigCgt:\t00000000000004ec");

    @Test
    void aSignalfdReaderTakesWhatItBlocks() {
        var d = SignalDisposition.parse(SYSTEMD_INIT);
        assertTrue(d.mayEndOn(37), "SIGRTMIN+3, systemd's shutdown: blocked, read from its signalfd");
        assertTrue(d.mayEndOn(SIGINT), "ctrl-alt-del: blocked too");
        assertFalse(d.mayEndOn(SIGHUP + 12), "SIGPIPE: ignored, and not blocked");
    }

    @Test
    void aProcessOfTheHostsOwnNamespaceIsNoInit() {
        assertFalse(SignalDisposition.parse(List.of("NSpid:\t1")).namespaceInit(), "the host's own init has one NSpid entry");
    }
}
