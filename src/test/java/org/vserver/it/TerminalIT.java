package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The admin's terminal and the guest (security.md §4.7): TIOCSTI from a guest cannot push input
 * into the admin's shell, with {@code exec} (no controlling terminal) and with {@code enter} (a pty
 * of the guest's own devpts); {@code enter} relays the window size, at start and on change. The
 * admin's terminal is a real pty here (python's pty module), as in an ssh session.
 * dev.tty.legacy_tiocsti is 1 on the machine this was written on: TIOCSTI itself is enabled.
 */
@RequiresRoot("starts real guests")
class TerminalIT {
    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("tty");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    /**
     * Runs argv on a new pty of ROWS x COLS (its controlling terminal, its stdio) and plays a script
     * read from stdin: {@code send TEXT} (a newline written as {@code <NL>}), {@code expect TEXT} (waits for it in the
     * output, 60 s), {@code resize ROWS COLS}. Prints everything the pty printed; exits like argv.
     */
    static final String DRIVER = """
            import os, pty, sys, fcntl, termios, struct, time, select
            rows, cols, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
            script = sys.stdin.read().splitlines()
            pid, fd = pty.fork()
            if pid == 0:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
                os.execvp(cmd[0], cmd)
            out = b''
            def pump(timeout):
                global out
                r, _, _ = select.select([fd], [], [], timeout)
                if not r: return True
                try: b = os.read(fd, 4096)
                except OSError: return False
                out += b
                return bool(b)
            for line in script:
                op, _, arg = line.partition(' ')
                if op == 'send': os.write(fd, arg.replace('<NL>', '\\n').encode())
                elif op == 'resize':
                    r, c = map(int, arg.split())
                    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
                elif op == 'expect':
                    end = time.time() + 60
                    while arg.encode() not in out and time.time() < end and pump(1): pass
            while pump(30): pass
            _, st = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(st))
            """;

    /** {@code bin/vserver ARGS} on a pty of ROWS x COLS, driven by SCRIPT (see {@link #DRIVER}). */
    static TestHost.Result onPty(int rows, int cols, String script, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(TestHost.BASEDIR.resolve("bin/vserver").toString()));
        argv.addAll(List.of(args));
        return onPtyRaw(rows, cols, script, argv);
    }

    static TestHost.Result onPtyRaw(int rows, int cols, String script, List<String> argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", DRIVER, String.valueOf(rows), String.valueOf(cols)));
        cmd.addAll(argv);
        var pb = new ProcessBuilder(cmd);
        pb.environment().put("VSERVER_CONFDIR", host.confdir.toString());
        pb.environment().put("VSERVER_RUNDIR", host.rundir.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try (var w = p.getOutputStream()) {
            w.write(script.getBytes(StandardCharsets.UTF_8));
        }
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                err.completeExceptionally(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + argv);
        }
        return new TestHost.Result(p.exitValue(), out, err.get());
    }

    /** perl: TIOCSTI (0x5412) of TEXT into FILE (or stdin for "-"), one byte at a time; prints "sti=ok" or "sti=ERRNO". */
    static String sti(String file, String text) {
        String fh = file.equals("-") ? "STDIN" : "$t";
        String open = file.equals("-") ? "1" : "open($t, \"+<\", \"" + file + "\")";
        return "perl -e 'my $t; my $r = " + open + " && !grep { !ioctl(" + fh + ", 0x5412, $_) } split //, \"" + text + "\"; "
                + "my ($e) = grep { $!{$_} } keys %!; print $r ? \"sti=ok\\n\" : \"sti=$e\\n\"'";
    }

    @Test
    void anExecutedCommandCannotPushInputIntoTheAdminsTerminal() throws Exception {
        String inject = "INJECTED\\n";
        // the control: a host process on such a terminal can (its controlling tty, TIOCSTI enabled)
        var control = onPtyRaw(24, 80, "", List.of("sh", "-c", sti("-", "#")));
        assertTrue(control.out().contains("sti=ok"), "TIOCSTI works on this kernel for a process on its own terminal:\n" + control);
        // After the exec the admin's terminal is checked for pending input: had the guest pushed
        // input into it, the injected line would be waiting there.
        String guestCmd = sti("-", inject) + "; " + sti("/dev/tty", inject) + "; tty";
        var r = onPtyRaw(24, 80, "", List.of("sh", "-c", "\"$0\" \"$1\" exec sh -c \"$2\"; perl -MIO::Select -e "
                + "'print IO::Select->new(\\*STDIN)->can_read(1) ? \"ADMIN-INPUT:\" . <STDIN> : \"ADMIN-INPUT:none\\n\"'",
                TestHost.BASEDIR.resolve("bin/vserver").toString(), g, guestCmd));
        assertEquals(0, r.code(), r.toString());
        // an interactive exec runs on a new pty of the guest's own devpts: TIOCSTI reaches only that
        assertTrue(r.out().contains("/dev/pts/"), "the command's terminal is a pty of the guest:\n" + r.out());
        assertTrue(r.out().contains("ADMIN-INPUT:none"), "nothing was injected into the admin's terminal:\n" + r.out());
        // a non-interactive exec has no terminal at all
        var n = host.cli("vserver", g, "exec", "sh", "-c", sti("-", inject) + "; " + sti("/dev/tty", inject) + "; tty");
        assertTrue(n.out().contains("sti=ENOTTY") && n.out().contains("sti=ENXIO") && n.out().contains("not a tty"), n.toString());
    }

    @Test
    void enterInjectsOnlyIntoTheGuestsOwnPty() throws Exception {
        Path hostMarker = host.root.resolve("injected-enter");
        // the line typed shows "INJ/", only running it prints "INJ42"
        String inject = "touch /tmp/injected-enter " + hostMarker + "; expr 40 + 2 | sed s/^/INJ/\\n";
        var r = onPty(24, 80, "send " + sti("-", inject) + "<NL>\nexpect INJ42\nsend tty; exit<NL>\n", g, "enter");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("sti=ok"), "TIOCSTI into the guest's own pty works (its controlling terminal):\n" + r.out());
        assertTrue(r.out().contains("INJ42"), "the injected line ran in the guest's shell:\n" + r.out());
        assertTrue(r.out().contains("/dev/pts/1"), "the guest's own devpts instance (0 is its console):\n" + r.out());
        Thread.sleep(300);
        assertFalse(Files.exists(hostMarker), "nothing ran on the host");
        assertEquals("yes\n", host.sh(g, "test -e /tmp/injected-enter && echo yes; rm -f /tmp/injected-enter"), "it ran inside the guest");
    }

    @Test
    void enterRelaysTheWindowSizeAtStartAndOnChange() throws Exception {
        var r = onPty(45, 123, """
                send echo SIZE1 $(stty size)<NL>
                expect SIZE1 45 123
                resize 50 100
                send sleep 0.5; echo SIZE2 $(stty size); exit<NL>
                """, g, "enter");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("SIZE1 45 123"), "the admin's size at start:\n" + r.out());
        assertTrue(r.out().contains("SIZE2 50 100"), "a resize reaches the guest's pty (SIGWINCH relayed):\n" + r.out());
    }
}
