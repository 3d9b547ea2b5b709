package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * Start tells the truth (issue 16): a sysv guest's start returns once its rc has ended, as
 * util-vserver's did; it fails with the last lines of the console when the rc fails, when the init
 * ends while booting (and then leaves nothing behind), or when the boot does not end within
 * apps/init/timeout.start. Its stop runs the rc stop scripts (runlevel.stop, default 0).
 */
@RequiresRoot("starts real guests")
class BootIT {
    static TestHost host;
    static String g;
    static Path rc3, rc0, etc;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("boot");
        etc = host.guestsDir.resolve(g).resolve("etc");
        rc3 = etc.resolve("rc3.d");
        rc0 = etc.resolve("rc0.d");              // runlevel.stop: 0 unless configured
        Files.createDirectories(rc3);
        Files.createDirectories(rc0);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    @AfterEach
    void clean() throws Exception {
        if (host.guests.running(g).isPresent()) host.cli("vserver", g, "stop");
        host.assertNothingLeftOf(g);
        for (Path d : new Path[] {rc3, rc0})
            try (var s = Files.list(d)) {
                for (Path p : (Iterable<Path>) s::iterator) Files.delete(p);
            }
        Files.deleteIfExists(host.confdir.resolve(g).resolve("apps/init/cmd.start"));
        Files.deleteIfExists(host.confdir.resolve(g).resolve("apps/init/timeout.start"));
    }

    static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void startReturnsOnceTheRcHasEndedAndStopRunsTheRcStopScripts() throws Exception {
        script(rc3.resolve("S50slow"), "sleep 1; echo slow service up; touch /root/rc3-done");
        script(rc0.resolve("K01mark"), "echo rc 0 ran; touch /root/rc0-done");
        var r = host.cli("vserver", g, "start");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(host.guestsDir.resolve(g).resolve("root/rc3-done")), "start returned before its rc had ended");
        var stop = host.cli("vserver", g, "stop");
        assertEquals(0, stop.code(), stop.toString());
        assertTrue(Files.exists(host.guestsDir.resolve(g).resolve("root/rc0-done")), "stop ran the rc 0 scripts");
        Files.delete(host.guestsDir.resolve(g).resolve("root/rc3-done"));
        Files.delete(host.guestsDir.resolve(g).resolve("root/rc0-done"));
        var log = host.cli("vserver", g, "log");
        assertTrue(log.out().contains("slow service up"), "the rc's output is the console's: " + log);
        assertTrue(stop.out().contains("rc 0 ran"), "the stop command's output is the stop's, as util-vserver's: " + stop);
    }

    @Test
    void aFailingStartCommandFailsTheStartWithItsConsoleLines() throws Exception {
        script(etc.resolve("failing-start"), "echo 'frobnicator: cannot open /dev/frob'; exit 4");
        host.config(g, "apps/init/cmd.start", "/etc/failing-start\n");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("its start command exited with 4"), r.toString());
        assertTrue(r.err().contains("  | frobnicator: cannot open /dev/frob"), "the console's last lines: " + r);
        assertTrue(host.guests.running(g).isPresent(), "it runs on, for its admin to look at");
    }

    @Test
    void anInitThatEndsWhileBootingFailsTheStartAndLeavesNothing() throws Exception {
        script(rc3.resolve("S01die"), "echo 'S01die: the init goes away'; kill -TERM 1");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("its init ended while it was booting"), r.toString());
        assertTrue(r.err().contains("  | S01die: the init goes away"), r.toString());
        assertFalse(host.guests.running(g).isPresent());
        host.assertNothingLeftOf(g);                       // undone by the start itself, no stop needed
    }

    @Test
    void aBootThatHangsTimesOutWithAClearMessage() throws Exception {
        host.config(g, "apps/init/timeout.start", "2\n");
        script(rc3.resolve("S60hang"), "echo 'S60hang: waiting for a disk that never comes'; sleep 60");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("has not finished booting after 2 s (apps/init/timeout.start)"), r.toString());
        assertTrue(r.err().contains("  | S60hang: waiting for a disk that never comes"), r.toString());
        assertTrue(host.guests.running(g).isPresent(), "it runs on");
    }
}
