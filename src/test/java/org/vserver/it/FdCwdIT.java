package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * runc's CVE-2024-21626 class: nothing of the host reaches a guest process through a descriptor
 * or its working directory. The caller here is a shell that holds extra descriptors open without
 * close-on-exec and sits in a host directory, as an admin's shell or a careless script would.
 */
@RequiresRoot("starts real guests")
class FdCwdIT {
    static TestHost host;
    static String g;
    static Path vdir;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("fdc");
        host.start(g);
        vdir = host.guestsDir.resolve(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    /**
     * {@code sh -c 'PRELUDE; exec bin/vserver ARGS...'} from host directory {@code cwd}; the prelude
     * opens fds the tool inherits. Returns the tool's result.
     */
    static TestHost.Result fromShell(String prelude, String cwd, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", prelude + "; exec \"$0\" \"$@\"",
                TestHost.BASEDIR.resolve("bin/vserver").toString()));
        cmd.addAll(List.of(args));
        return host.run(host.environment(new ProcessBuilder(cmd).directory(new File(cwd))), stdin);
    }

    static final String LEAK = "exec 7</etc/passwd 9>>/dev/null";

    /** The fast path (the launcher replays exec.plan) and the Java path (exec.plan moved aside). */
    static List<TestHost.Result> bothPaths(String prelude, String cwd, String... args) throws Exception {
        Path plan = host.rundir.resolve(g).resolve("exec.plan"), aside = host.rundir.resolve(g + ".exec.plan.aside");
        TestHost.Result fast = fromShell(prelude, cwd, null, args);
        Files.move(plan, aside);
        try {
            return List.of(fast, fromShell(prelude, cwd, null, args));
        } finally {
            Files.move(aside, plan);
        }
    }

    @Test
    void inheritedHostDescriptorsDoNotReachTheGuest() throws Exception {
        // the control: the caller really holds 7 and 9, and hands them to what it starts
        assertEquals("0 1 2 3 7 9", HostProbe.ok("sh", "-c", LEAK + "; ls /proc/self/fd | sort -n | tr '\\n' ' '").strip());
        for (TestHost.Result r : bothPaths(LEAK, "/", g, "exec", "sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '")) {
            assertEquals(0, r.code(), r.toString());
            assertEquals("0 1 2 3", r.out().strip(), "stdio and ls's own directory fd only:\n" + r);
        }
        var l = fromShell(LEAK, "/", null, g, "exec", "ls", "-l", "/proc/self/fd");
        assertEquals(0, l.code(), l.toString());
        assertTrue(l.out().lines().noneMatch(s -> s.contains("passwd") || s.matches(".* [79] -> .*")), "no host file inside:\n" + l.out());
        var enter = fromShell(LEAK, "/", "ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; exit\n", g, "enter");
        assertEquals(0, enter.code(), enter.toString());
        assertTrue(enter.out().contains("0 1 2 3 \r\n"), "enter's shell and its commands hold the pty only:\n" + enter.out());
    }

    @Test
    void aHostWorkingDirectoryDoesNotFollowIntoTheGuest() throws Exception {
        TreeSet<String> guestRoot = new TreeSet<>();
        try (var s = Files.list(vdir)) {
            s.forEach(p -> guestRoot.add(p.getFileName().toString()));
        }
        TreeSet<String> hostRoot = new TreeSet<>();
        try (var s = Files.list(Path.of("/"))) {
            s.forEach(p -> hostRoot.add(p.getFileName().toString()));
        }
        assertTrue(!guestRoot.equals(hostRoot), "the guest's root differs from the host's, so the listing tells them apart");
        for (TestHost.Result r : bothPaths("cd /etc", "/etc", g, "exec", "sh", "-c", "pwd -P; echo ===; ls -A1 ..")) {
            assertEquals(0, r.code(), r.toString());
            String[] parts = r.out().split("===\n");
            assertEquals("/\n", parts[0], "a command runs at the guest's /, not the caller's /etc:\n" + r);
            assertEquals(guestRoot, new TreeSet<>(HostProbe.lines(parts[1])), "`ls ..` from there lists the guest's root");
        }
        var su = fromShell("cd /etc", "/etc", null, g, "suexec", "nobody", "pwd");
        assertEquals("/\n", su.out(), su.toString());
        var enter = fromShell("cd /etc", "/etc", "pwd -P; exit\n", g, "enter");
        assertTrue(enter.out().contains("/root\r\n"), "enter starts at the user's home of the guest:\n" + enter.out());
    }
}
