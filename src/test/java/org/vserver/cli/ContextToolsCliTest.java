package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.vserver.context.Capabilities;
import org.vserver.guest.ThrowAwayContext;
import org.vserver.kernel.Capability;

/** Command lines of the context tools that are refused before anything is looked up. */
class ContextToolsCliTest {
    record Run(int code, String out, String err) {}

    static Run run(String tool, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int rc = Main.run(tool, args, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void vcontextNeedsAMode() {
        var r = run("vcontext", "--", "true");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--create, --migrate"), r.err());
        assertEquals(2, run("vcontext", "--create", "--migrate", "--xid", "web", "--", "true").code());
        assertEquals(2, run("vcontext", "--migrate", "--", "true").code(), "--migrate without --xid");
        assertEquals(2, run("vcontext", "--create").code(), "no command");
    }

    @Test
    void createTakesNumbersOnly() {
        var r = run("vcontext", "--create", "--xid", "web", "--", "true");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("context number"), r.err());
        for (String outOfRange : List.of("0", "1", "65536")) {
            var o = run("vcontext", "--create", "--xid", outOfRange, "--", "true");
            assertEquals(2, o.code(), outOfRange + ": " + o);
            assertTrue(o.err().contains("expected a number 2..65535 (0 is the host, 1 the spectator)"), o.err());
        }
        assertEquals(2, run("vcontext", "--create", "--uid", "www-data", "--", "true").code());
        assertEquals(2, run("vcontext", "--xid", "1", "--uid", "0", "--", "true").code(), "the spectator has its own uid");
    }

    @Test
    void helpNamesTheModes() {
        var r = run("chcontext", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--migrate") && r.out().contains("chcontext [--ctx X]"), r.out());
        for (String tool : List.of("vnamespace", "vuname", "vattribute")) assertEquals(0, run(tool, "--help").code(), tool);
    }

    @Test
    void vunameGetAndSetExcludeEachOther() {
        assertEquals(2, run("vuname", "--xid", "web", "-g", "-s").code());
        var r = run("vuname", "--xid", "web", "-s", "-t", "nodename");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("TAG=VALUE"), r.err());
        var sys = run("vuname", "--xid", "web", "-s", "-t", "machine=x86");
        assertEquals(2, sys.code());
        assertTrue(sys.err().contains("mainline"), sys.err());
        assertEquals(2, run("vuname", "--xid", "web", "-s", "-t", "nodename=" + "x".repeat(65)).code());
    }

    @Test
    void vattributeRefusesSet() {
        var r = run("vattribute", "--xid", "web", "--set", "--flag", "sched_hard");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("vsched"), r.err());
    }

    @Test
    void capBndDecodesToNames() {
        long bits = Capability.bits(Capabilities.SECURE_DEFAULT);
        assertEquals(Capabilities.SECURE_DEFAULT, Capability.of(bits));
        assertEquals(EnumSet.of(Capability.CHOWN, Capability.SYS_ADMIN), Capability.of(1L | 1L << 21 | 1L << 63));
    }

    @Test
    void throwAwayNames() {
        assertEquals("ctx-49152", ThrowAwayContext.name(49152));
        assertTrue(ThrowAwayContext.isContext("ctx-49152"));
        assertEquals(OptionalInt.of(4711), ThrowAwayContext.xidOf("ctx-4711"));
        assertEquals(OptionalInt.empty(), ThrowAwayContext.xidOf("ctx-1"), "the spectator is no throw-away context");
        assertEquals(OptionalInt.empty(), ThrowAwayContext.xidOf("ctx-99999"));
        assertTrue(!ThrowAwayContext.isContext("ctx-web") && !ThrowAwayContext.isContext("ctx-") && !ThrowAwayContext.isContext("web"));
    }
}
