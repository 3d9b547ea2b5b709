package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vserver.testsupport.RequiresRoot;

/**
 * The guest's console (issue 16): a pty of the guest's own devpts, whose master the guest's monitor
 * holds on the host. Everything it says goes to LOGBASE/NAME/console.log, rotated at console/size,
 * kept after the stop; `vserver NAME console` attaches to it, `vserver NAME log` prints the log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresRoot("starts real guests")
class ConsoleIT {
    static final long CAP = 1 << 20;            // the default console/size
    static final String FLOOD = "3M";           // three times the cap: the log rotates; read at 2 MiB/s

    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("con");
        // The sysv rc writes to the init's stdout, the console: a flood, a line after it;
        // and leaves a service that answers what is typed on the console.
        Path rc = host.guestsDir.resolve(g).resolve("etc/rc3.d");
        Files.createDirectories(rc);
        script(rc.resolve("S20flood"), "yes flood | head -c " + FLOOD);
        script(rc.resolve("S30after"), "echo after the flood");
        script(rc.resolve("S40answer"), "(while read l < /dev/console; do echo \"got $l\" > /dev/console; done) &\necho done > /tmp/rc-done");
        host.start(g);
        awaitRc();
    }

    static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Waits until the rc has run every script (the init's writes are asynchronous to start). */
    static void awaitRc() throws Exception {
        for (int i = 0; i < 600; i++) {
            if (host.cli("vserver", g, "exec", "test", "-e", "/tmp/rc-done").code() == 0) return;
            Thread.sleep(100);
        }
        throw new AssertionError("the guest's rc did not finish in 60 s");
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static Path log() { return host.logDir.resolve(g).resolve("console.log"); }

    static Path oldLog() { return host.logDir.resolve(g).resolve("console.log.1"); }

    static long logBytes() throws Exception {
        return Files.size(log()) + (Files.exists(oldLog()) ? Files.size(oldLog()) : 0);
    }

    @Test
    @Order(1)
    void theConsoleIsATerminalOfTheGuestsOwnDevpts() throws Exception {
        String out = host.sh(g, "test -t 0 < /dev/console && echo tty; stat -c '%t %F' /dev/console; "
                + "grep -E ' /dev/(console|pts) ' /proc/self/mountinfo");
        assertTrue(out.startsWith("tty\n88 character special file\n"), "/dev/console is a pty (major 136): " + out);
        List<HostProbe.Mount> mounts = HostProbe.mountinfo(out.substring(out.indexOf('\n', out.indexOf('\n') + 1) + 1));
        HostProbe.Mount console = mounts.stream().filter(m -> m.point().equals("/dev/console")).findFirst().orElseThrow();
        HostProbe.Mount pts = mounts.stream().filter(m -> m.point().equals("/dev/pts")).findFirst().orElseThrow();
        assertEquals("devpts", console.fsType(), console.toString());
        assertEquals(pts.dev(), console.dev(), "the console is a pty of the guest's own devpts instance: " + mounts);
        assertTrue(console.root().matches("/[0-9]+"), console.toString());
        // The init's stdout and stderr, seen from the host: that pty, nothing of the host's.
        for (int fd : new int[] {1, 2})
            assertTrue(Files.readSymbolicLink(Path.of("/proc/" + host.initPid(g) + "/fd/" + fd)).toString().matches("/dev/pts/[0-9]+"));
    }

    @Test
    @Order(2)
    void theLogHasWhatTheInitSaidAndAFloodOnlyRotatesIt() throws Exception {
        var r = host.cli("vserver", g, "log");
        assertEquals(0, r.code(), r.toString());
        String text = r.out().replace("\r", "");
        assertTrue(text.contains("flood\nflood\n"), "the rc's output: " + head(text));
        assertTrue(text.contains("after the flood\n"), "the line after the flood made it: the flood only waited for the console");
        assertTrue(Files.exists(oldLog()), "3 MB of flood rotated the log");
        long bytes = logBytes();
        assertTrue(bytes <= 2 * CAP + 8192, "the log holds " + bytes + " bytes after a 3 MB flood; the cap is 2 x " + CAP);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log().getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log())));

        // and again from inside, on /dev/console itself: the same bound, the guest runs on
        var flood = host.cli("vserver", g, "exec", "/bin/sh", "-c", "yes more | head -c " + FLOOD + " > /dev/console; echo $?");
        assertEquals("0\n", flood.out(), flood.toString());
        assertEquals("alive\n", host.sh(g, "echo alive"));
        bytes = logBytes();
        assertTrue(bytes <= 2 * CAP + 8192, "the log holds " + bytes + " bytes after a second flood");
        var tail = host.cli("vserver", g, "log", "-n", "2");
        assertEquals(2, tail.out().lines().count(), tail.toString());
    }

    /** Attached without a terminal: stdin goes to the console, its output comes back. */
    @Test
    @Order(3)
    void consoleSendsInputAndPrintsWhatTheGuestAnswers() throws Exception {
        Process p = host.spawnIn(null, "vserver", g, "console");
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            p.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            List<String> seen = new ArrayList<>();
            for (String l; (l = out.readLine()) != null; ) {
                seen.add(l);
                if (l.replace("\r", "").equals("got ping")) break;
                assertTrue(seen.size() < 10_000, "no answer: " + seen.subList(Math.max(0, seen.size() - 5), seen.size()));
            }
            assertEquals("got ping", seen.getLast().replace("\r", ""));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(Files.readString(log()).contains("got ping"), "what was said while attached is in the log too");
    }

    /** On a terminal (script(1) gives it one), Ctrl-] detaches and the guest runs on. */
    @Test
    @Order(4)
    void ctrlBracketDetaches() throws Exception {
        var r = host.cliIn(null, null, "/bin/sh", "-c", "(sleep 1; printf '\\035') | script -qec '" + TestHost.BASEDIR.resolve("bin/vserver") + " " + g + " console' /dev/null");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Ctrl-] detaches") && r.out().contains("detached from the console of guest '" + g + "'"), r.toString());
        assertTrue(host.guests.running(g).isPresent(), "the guest runs on");
    }

    /** The log outlives the guest's run; `log` of a stopped guest prints it, `console` says what to do. */
    @Test
    @Order(5)
    void theLogIsKeptAfterTheStop() throws Exception {
        // log -f streams what the console says and ends when the guest stops
        Process follow = host.spawnIn(null, "vserver", g, "log", "-f");
        try (var out = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
            host.sh(g, "echo followed > /dev/console");
            String l;
            while ((l = out.readLine()) != null && !l.replace("\r", "").equals("followed")) { }
            assertEquals("followed", l == null ? null : l.replace("\r", ""), "log -f printed the new line");
            host.stop(g);
            assertTrue(follow.waitFor(10, TimeUnit.SECONDS), "log -f ends with the guest");
            assertEquals(0, follow.exitValue());
        } finally {
            follow.destroyForcibly();
        }
        host.assertNothingLeftOf(g);
        var r = host.cli("vserver", g, "log", "-n", "3");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("[vserver: guest " + g + " stopped at "), r.toString());
        var c = host.cli("vserver", g, "console");
        assertEquals(3, c.code(), c.toString());
        assertTrue(c.err().contains("is not running"), c.toString());
    }

    /** console/size of the guest, else of .defaults, is where the log rotates. */
    @Test
    @Order(6)
    void theLogRotatesAtConsoleSizeOfTheGuestOrOfDefaults() throws Exception {
        for (var c : List.of(new String[] {".defaults", "128K", "131072"}, new String[] {g, "64K", "65536"})) {
            host.config(c[0], "console/size", c[1] + "\n");
            host.start(g);
            awaitRc();
            long cap = Long.parseLong(c[2]);
            assertTrue(Files.size(log()) <= cap && Files.size(oldLog()) <= cap + 4096,
                    "console/size " + c[1] + ": " + Files.size(log()) + " and " + Files.size(oldLog()) + " bytes");
            host.stop(g);
        }
        assertFalse(host.monitors().iterator().hasNext(), "no monitor left");
    }

    static String head(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
