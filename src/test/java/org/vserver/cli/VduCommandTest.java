package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.disk.DiskUsage;
import org.vserver.sys.LinuxSyscalls;

class VduCommandTest {
    @TempDir Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int vdu(String... args) {
        return Main.run("vdu", args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() { return out.toString(StandardCharsets.UTF_8); }

    @Test void columnsAsAsked() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(a.resolve("f"), "x");
        Files.createLink(tmp.resolve("f2"), a.resolve("f"));
        var c = new DiskUsage(new LinuxSyscalls()).count(a.toString(), e -> fail(e));

        assertEquals(0, vdu(a.toString()));
        assertEquals(a + " " + c.spaceKib() + " 2\n", out());
        out.reset();
        assertEquals(0, vdu("--xid", "web", "--inodes", a.toString(), tmp.toString()));
        assertEquals(a + " 2\n" + tmp + " 2\n", out());    // tmp: itself and a (f and f2 are a's inode)
        out.reset();
        assertEquals(0, vdu("--space", a.toString()));
        assertEquals(a + " " + c.spaceKib() + "\n", out());
    }

    @Test void failuresAndTheGuestHook() throws Exception {
        assertEquals(1, vdu(tmp.resolve("nope").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("vdu: "), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, vdu());
        assertEquals(1, vdu("--xid", "no-such-guest"));     // the real hook: an unknown guest is an error naming it
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no-such-guest"), err.toString(StandardCharsets.UTF_8));

        var cmd = new VduCommand(new LinuxSyscalls(), g -> new DiskUsage.Count(812, 12));
        var cl = Main.commandLine(cmd, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        out.reset();
        assertEquals(0, cl.execute("--xid", "web"));
        assertEquals("web 812 12\n", out());
    }
}
