package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.guest.GuestStart;
import org.vserver.testsupport.RequiresRoot;

/** start, stop, restart, condrestart, status, running; a dead init; the start lock; parallel guests. */
@RequiresRoot("starts real guests")
class LifecycleIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    @Test
    void startStatusStopThroughTheCommands() throws Exception {
        String g = host.build("life");
        assertEquals(3, host.cli("vserver", g, "status").code());
        assertEquals(1, host.cli("vserver", g, "running").code());
        var start = host.cli("vserver", g, "start");
        assertEquals(0, start.code(), start.toString());
        var status = host.cli("vserver", g, "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("is running at context '40000'"), status.out());
        assertEquals(0, host.cli("vserver", g, "running").code());
        var again = host.cli("vserver", g, "start");
        assertEquals(0, again.code());
        assertTrue(again.err().contains("already running"), again.err());
        int before = host.initPid(g);
        assertEquals(0, host.cli("vserver", g, "restart").code());
        assertTrue(host.initPid(g) != before, "restart made a new init");
        assertEquals(0, host.cli("vserver", g, "condrestart").code());
        assertEquals(0, host.cli("vserver", g, "stop").code());
        assertEquals(3, host.cli("vserver", g, "status").code());
        host.assertNothingLeftOf(g);
        assertEquals(0, host.cli("vserver", g, "condrestart").code());
        assertEquals(1, host.cli("vserver", g, "running").code(), "condrestart does not start a stopped guest");
    }

    @Test
    void aNameFileIsALabelNotTheGuestsKey() throws Exception {
        String g = host.build("labelled");
        Files.writeString(host.confdir.resolve(g).resolve("name"), "Web Server\n");
        var start = host.cli("vserver", g, "start");
        assertEquals(0, start.code(), start.toString());
        var status = host.cli("vserver", g, "status");
        assertEquals(0, status.code(), status.toString());
        assertEquals(0, host.cli("vserver", g, "exec", "true").code());
        assertEquals("Web Server", host.cli("vserver", g, "config", "get", "name").out().strip());
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);
    }

    @Test
    void aGuestWhoseInitDiedIsReportedStoppedAndCleanedUp() throws Exception {
        String g = host.build("dies");
        host.start(g);
        int init = host.initPid(g);
        host.vs.sys().kill(init, 9);   // from the host: the whole pid namespace goes with it
        for (int i = 0; i < 500 && java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + init + "/stat")); i++) Thread.sleep(10);
        // bin/vserver answers `running` without a JVM from the run state, which still names the dead init
        assertEquals(1, host.cli("vserver", g, "running").code(), "a dead init is not running");
        var status = host.cli("vserver", g, "status");
        assertEquals(3, status.code(), status.toString());
        host.assertNothingLeftOf(g);
        var exec = host.cli("vserver", g, "exec", "true");
        assertEquals(3, exec.code(), exec.toString());
        assertTrue(exec.err().contains("not running"), exec.err());
    }

    @Test
    void startsOfOneGuestAreSerializedAndDifferentGuestsStartInParallel() throws Exception {
        String a = host.build("para-a"), b = host.build("para-b");
        try (var ex = Executors.newFixedThreadPool(4)) {
            List<Callable<Boolean>> starts = List.of(
                    () -> new GuestStart(host.guests).start(a, null), () -> new GuestStart(host.guests).start(a, null),
                    () -> new GuestStart(host.guests).start(b, null), () -> new GuestStart(host.guests).start(b, null));
            List<Future<Boolean>> results = ex.invokeAll(starts);
            int started = 0;
            for (Future<Boolean> f : results) if (f.get()) started++;
            assertEquals(2, started, "each guest started exactly once");
        }
        assertTrue(host.guests.running(a).isPresent());
        assertTrue(host.guests.running(b).isPresent());
        host.stop(a);
        host.stop(b);
        host.assertNothingLeftOf(a);
        host.assertNothingLeftOf(b);
    }

    @Test
    void stopOfAStoppedGuestIsFine() throws Exception {
        String g = host.build("idle");
        var r = host.cli("vserver", g, "stop");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("not running"), r.err());
        assertFalse(host.guests.running(g).isPresent());
        host.assertNothingLeftOf(g);
    }

    @Test
    void rescueRunsTheGivenCommandInsteadOfTheInit() throws Exception {
        String g = host.build("rescue");
        var r = host.cli("vserver", g, "start", "--rescue", "/bin/sleep", "61");
        assertEquals(0, r.code(), r.toString());
        String ps = host.sh(g, "ps -eo pid,args");
        assertTrue(ps.contains("/bin/sleep 61"), ps);
        assertFalse(ps.contains("/etc/init.d/rc"), "the sysv init did not run:\n" + ps);
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);
    }

    @Test
    void plainStyleMakesTheInitCommandPidOneAndStopEndsIt() throws Exception {
        String g = host.build("plain");
        host.config(g, "apps/init/style", "plain\n");
        host.config(g, "apps/init/cmd.start", "/bin/sleep\n3600\n");
        // sleep as PID 1 has no TERM handler: the kernel drops TERM, so stop goes on to SIGKILL at once
        // instead of waiting out the 600 s (which would end this test at the tool's 120-s timeout)
        host.config(g, "apps/init/killseq", "15 600 9\n");
        host.start(g);
        assertEquals("sleep", host.sh(g, "cat /proc/1/comm").strip());
        assertEquals("/bin/sleep 3600", host.sh(g, "tr '\\0' ' ' < /proc/1/cmdline").strip());
        var stop = host.cli("vserver", g, "stop");
        assertEquals(0, stop.code(), stop.toString());
        assertEquals(3, host.cli("vserver", g, "status").code());
        host.assertNothingLeftOf(g);
    }
}
