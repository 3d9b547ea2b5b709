package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.RequiresRoot;

/** Netns.inside and sysctl against this host's kernel, in a throw-away network namespace. */
@RequiresRoot("creates a network namespace")
class NetnsHostTest {
    static final Path PING_GROUP_RANGE = Path.of("/proc/sys/net/ipv4/ping_group_range");
    final Syscalls sys = new LinuxSyscalls();
    ThrowAwayNetns ns;

    @BeforeEach void onlyAsRoot() throws IOException {
        ns = new ThrowAwayNetns(sys);
    }

    @AfterEach void close() {
        if (ns != null) ns.close();
    }

    /**
     * One read from the start: a vector sysctl answers nothing to a read at an offset, so
     * Files.readString (which reads one byte to probe an empty-looking file) sees only "0".
     */
    static String readSysctl() throws IOException {
        try (var in = Files.newInputStream(PING_GROUP_RANGE)) {
            byte[] b = new byte[256];
            int n = in.read(b);
            return new String(b, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    static String myNetns() throws IOException { return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString(); }

    @Test void theActionRunsInTheNamespaceOnAThreadThatEnds() throws Exception {
        String mine = myNetns();
        Thread[] ran = {null};
        String there = Netns.inside(sys, ns.fd, () -> {
            ran[0] = Thread.currentThread();
            return myNetns();
        });
        assertEquals(ns.id(), there);
        assertNotEquals(mine, there);
        assertEquals(mine, myNetns(), "the caller stays where it was");
        assertTrue(!ran[0].isAlive() && ran[0] != Thread.currentThread(), "the thread that entered is gone");
    }

    @Test void failuresComeBackToTheCaller() throws Exception {
        IOException mine = new IOException("the action's own");
        assertSame(mine, assertThrows(IOException.class, () -> Netns.inside(sys, ns.fd, () -> { throw mine; })));
        var checked = assertThrows(IOException.class, () -> Netns.inside(sys, ns.fd, () -> { throw new Exception("checked"); }));
        assertTrue(checked.getMessage().startsWith("in network namespace fd " + ns.fd + ": "), checked.getMessage());
        assertThrows(IllegalStateException.class, () -> Netns.inside(sys, ns.fd, () -> { throw new IllegalStateException(); }));
        var badFd = assertThrows(IOException.class, () -> Netns.inside(sys, 1 << 20, () -> "never"));
        assertTrue(badFd.getMessage().contains("setns") && badFd.getMessage().contains("EBADF"), badFd.getMessage());
    }

    @Test void aSysctlChangesOnlyThatNamespace() throws Exception {
        String hostBefore = readSysctl();
        assertEquals(2, hostBefore.trim().split("\\s+").length, hostBefore);
        String value = hostBefore.trim().split("\\s+")[0].equals("100") ? "101 201" : "100 200";
        Netns.sysctl(sys, ProcFs.host(), ns.fd, "net/ipv4/ping_group_range", value);
        String inside = Netns.inside(sys, ns.fd, () -> readSysctl());
        assertEquals(List.of(value.split(" ")), List.of(inside.trim().split("\\s+")));
        assertEquals(hostBefore, readSysctl(), "the host's value changed");

        var noKey = assertThrows(IOException.class, () -> Netns.sysctl(sys, ProcFs.host(), ns.fd, "net/ipv4/no_such_key", "1"));
        assertTrue(noKey.getMessage().startsWith("sysctl net/ipv4/no_such_key=1 in network namespace"), noKey.getMessage());
        assertTrue(noKey.getMessage().contains("ENOENT"), noKey.getMessage());
        var badValue = assertThrows(IOException.class, () -> Netns.sysctl(sys, ProcFs.host(), ns.fd, "net/ipv4/ping_group_range", "x"));
        assertTrue(badValue.getMessage().contains("ping_group_range=x") && badValue.getMessage().contains("EINVAL"), badValue.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Netns.sysctl(sys, ProcFs.host(), ns.fd, "../../etc/passwd", "x"));
    }
}
