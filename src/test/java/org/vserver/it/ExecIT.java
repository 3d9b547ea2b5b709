package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * {@code exec}, {@code suexec} and {@code enter} through bin/vserver: exit codes, the three standard
 * streams, the fast path (the launcher replays run/NAME/exec.plan, no JVM) against the Java path,
 * users, the controlling terminal, and a guest that is stopped or whose init died.
 */
@RequiresRoot("starts real guests")
class ExecIT {
    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("ex");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    private static Path execPlan() { return host.rundir.resolve(g).resolve("exec.plan"); }

    @Test
    void exitCodesPropagate() throws Exception {
        assertTrue(Files.isRegularFile(execPlan()), "the start wrote the exec plan the fast path replays");
        var r = host.cli("vserver", g, "exec", "sh", "-c", "exit 7");
        assertEquals(7, r.code(), r.toString());
        assertEquals(0, host.cli("vserver", g, "exec", "true").code());
        assertEquals(1, host.cli("vserver", g, "exec", "false").code());
        var killed = host.cli("vserver", g, "exec", "sh", "-c", "kill -9 $$");
        assertEquals(128 + 9, killed.code(), "a command killed by a signal: 128+signal\n" + killed);
    }

    @Test
    void standardStreamsPassThrough() throws Exception {
        var cat = host.cliWithInput("hello\n", "vserver", g, "exec", "cat");
        assertEquals(0, cat.code(), cat.toString());
        assertEquals("hello\n", cat.out());
        var both = host.cli("vserver", g, "exec", "sh", "-c", "echo to-out; echo to-err >&2; exit 4");
        assertEquals(4, both.code(), both.toString());
        assertEquals("to-out\n", both.out());
        assertEquals("to-err\n", both.err());
        var lines = host.cliWithInput("a\nb\nc\n", "vserver", g, "exec", "wc", "-l");
        assertEquals("3", lines.out().strip(), lines.toString());
    }

    /** The same commands through the fast path and, with the exec plan out of the way, through Java. */
    @Test
    void theFastPathAndTheJavaPathGiveTheSameResults() throws Exception {
        List<String[]> commands = List.of(
                new String[] {"sh", "-c", "echo out:$(hostname); echo err:$(id -u) >&2; exit 5"},
                new String[] {"sh", "-c", "cat; exit 0"},
                new String[] {"sh", "-c", "env | sort; id; umask; pwd"},
                new String[] {"/nonexistent/cmd"},
                new String[] {"sh", "-c", "tty; echo $?"},
                new String[] {"sh", "-c", "readlink /proc/1/ns/pid /proc/self/ns/pid /proc/1/ns/mnt /proc/self/ns/mnt | sort -u | wc -l"},
                new String[] {"printf", "[%s]", "two words", "-x", "--", ""});
        List<TestHost.Result> fast = run(commands);
        Path aside = host.rundir.resolve(g + ".exec.plan.aside");
        Files.move(execPlan(), aside);
        List<TestHost.Result> java;
        try {
            java = run(commands);
        } finally {
            Files.move(aside, execPlan());
        }
        for (int i = 0; i < commands.size(); i++) {
            String what = String.join(" ", commands.get(i)) + "\nfast path: " + fast.get(i) + "\njava path: " + java.get(i);
            assertEquals(fast.get(i).code(), java.get(i).code(), what);
            assertEquals(fast.get(i).out(), java.get(i).out(), what);
            if (i != 3) assertEquals(fast.get(i).err(), java.get(i).err(), what);
        }
        assertEquals("out:ex\n", fast.get(0).out());
        assertEquals("err:0\n", fast.get(0).err());
        assertEquals("in\n", fast.get(1).out());
        assertEquals("HOME=/root\nLOGNAME=root\nPATH=/bin:/usr/bin:/sbin:/usr/sbin\nPWD=/\nUSER=root\n"
                + "uid=0(root) gid=0(root) groups=0(root)\n0022\n/\n", fast.get(2).out(), "a clean root environment");
        assertEquals(125, fast.get(3).code());
        for (var r : List.of(fast.get(3), java.get(3)))
            assertTrue(r.err().contains("execve") && r.err().contains("/nonexistent/cmd") && r.err().contains("ENOENT"), r.err());
        assertEquals("not a tty\n1\n", fast.get(4).out());
        assertEquals("2\n", fast.get(5).out(), "same pid and mount namespace as the guest's init");
        assertEquals("[two words][-x][--][]", fast.get(6).out(), "arguments arrive untouched");
    }

    private static List<TestHost.Result> run(List<String[]> commands) throws Exception {
        List<TestHost.Result> out = new java.util.ArrayList<>();
        for (String[] c : commands) {
            String[] args = new String[c.length + 3];
            args[0] = "vserver";
            args[1] = g;
            args[2] = "exec";
            System.arraycopy(c, 0, args, 3, c.length);
            out.add(host.cliWithInput("in\n", args));
        }
        return out;
    }

    @Test
    void aMissingCommandExits125NamingExecve() throws Exception {
        var r = host.cli("vserver", g, "exec", "no-such-command");
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("execve"), r.err());
        assertTrue(r.err().contains("no-such-command"), r.err());
        assertTrue(r.err().contains("ENOENT"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void suexecRunsAsTheGuestsUsers() throws Exception {
        var nobody = host.cli("vserver", g, "suexec", "nobody", "id", "-u");
        assertEquals(0, nobody.code(), nobody.toString());
        assertEquals("65534\n", nobody.out());
        var groups = host.cli("vserver", g, "suexec", "nobody", "sh", "-c", "id -g; echo $HOME");
        assertEquals("65534\n/nonexistent\n", groups.out(), groups.toString());
        var root = host.cli("vserver", g, "suexec", "root", "id", "-u");
        assertEquals(0, root.code(), root.toString());
        assertEquals("0\n", root.out());
        var byNumber = host.cli("vserver", g, "suexec", "65534", "id", "-un");
        assertEquals("nobody\n", byNumber.out(), byNumber.toString());
        var unknown = host.cli("vserver", g, "suexec", "no-such-user", "id", "-u");
        assertEquals(1, unknown.code(), unknown.toString());
        assertEquals("", unknown.out());
        assertTrue(unknown.err().contains("no user 'no-such-user'"), unknown.err());
        assertFalse(unknown.err().contains("Exception"), unknown.err());
    }

    @Test
    void anExecutedCommandHasNoControllingTerminal() throws Exception {
        var tty = host.cli("vserver", g, "exec", "sh", "-c", "tty");
        assertEquals(1, tty.code(), tty.toString());
        assertEquals("not a tty\n", tty.out());
        // field 7 of /proc/PID/stat: tty_nr, 0 without a controlling terminal
        String stat = host.sh(g, "cat /proc/self/stat");
        String afterComm = stat.substring(stat.lastIndexOf(')') + 2);
        assertEquals("0", afterComm.split(" ")[4], "tty_nr of " + stat);
    }

    @Test
    void enterRunsALoginShellOnAPtyOfTheGuest() throws Exception {
        var r = host.cliWithInput("echo inside:$(hostname); tty; exit 3\n", "vserver", g, "enter");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("inside:ex"), r.toString());
        assertTrue(r.out().contains("/dev/pts/1"), "a pty of the guest's own devpts (0 is its console):\n" + r);
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void execOnAStoppedGuestSaysNotRunning() throws Exception {
        String s = host.build("ex-stopped");
        var r = host.cli("vserver", s, "exec", "true");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("not running"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        var su = host.cli("vserver", s, "suexec", "nobody", "true");
        assertEquals(3, su.code(), su.toString());
        var enter = host.cli("vserver", s, "enter");
        assertEquals(3, enter.code(), enter.toString());
        host.assertNothingLeftOf(s);
    }

    @Test
    void staleStateFallsBackToJavaWhichReportsAndCleansUp() throws Exception {
        String s = host.build("ex-stale");
        host.start(s);
        Path plan = host.rundir.resolve(s).resolve("exec.plan");
        assertTrue(Files.isRegularFile(plan));
        assertEquals("ok\n", host.sh(s, "echo ok"));
        host.vs.sys().kill(host.initPid(s), 9);
        // the replayed plan still exists: the launcher finds its init gone (124), Java takes over
        assertTrue(Files.isRegularFile(plan), "nothing cleaned up yet");
        var r = host.cli("vserver", s, "exec", "echo", "never");
        assertEquals(3, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("not running"), r.err());
        assertFalse(r.err().contains("vserver-launcher"), "the fallback is silent:\n" + r.err());
        host.assertNothingLeftOf(s);
        assertEquals(3, host.cli("vserver", s, "status").code());
    }

    /** CVE-2024-21626 class: nothing of the host leaks into the guest through a descriptor. */
    @Test
    void guestProcessesHoldNoInheritedDescriptors() throws Exception {
        // A command run by exec: its stdio, and the directory ls itself opens.
        String fds = host.sh(g, "ls /proc/self/fd | sort -n | tr '\\n' ' '").strip();
        assertEquals("0 1 2 3", fds, "descriptors of an exec'd command");
        // The guest's init (the reaper), seen from the host: /dev/null and the guest's own console pty, nothing else.
        int init = host.initPid(g);
        var targets = new java.util.TreeMap<Integer, String>();
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/" + init + "/fd"))) {
            for (var fd : (Iterable<java.nio.file.Path>) s::iterator)
                targets.put(Integer.parseInt(fd.getFileName().toString()), java.nio.file.Files.readSymbolicLink(fd).toString());
        }
        assertEquals(java.util.Set.of(0, 1, 2), targets.keySet(), "descriptors of the init: " + targets);
        assertEquals("/dev/null", targets.get(0));
        assertTrue(targets.get(1).matches("/dev/pts/[0-9]+"), "stdout: the console, a pty of the guest's devpts: " + targets);
        assertEquals(targets.get(1), targets.get(2), "stderr: the console too");
    }
}
