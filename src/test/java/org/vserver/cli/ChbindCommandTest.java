package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.net.BindPolicy;
import org.vserver.config.LoopbackAllow;

/** chbind's command line: literal addresses only, usage errors exit 2 before anything is touched. */
class ChbindCommandTest {
    @Test
    void addressesByFamilyPrimaryFirst() {
        BindPolicy p = ChbindCommand.policy(List.of("192.0.2.7/24", "2001:db8::1/64", "192.0.2.8", "192.0.2.7"), "127.0.0.9",
                "192.0.2.255", List.of("127.0.0.53:53", "127.10.0.0/16", "127.0.0.53:53"));
        assertEquals(List.of(InetAddress.ofLiteral("192.0.2.7"), InetAddress.ofLiteral("192.0.2.8")), p.v4());
        assertEquals(List.of(InetAddress.ofLiteral("2001:db8::1")), p.v6());
        assertEquals(InetAddress.ofLiteral("127.0.0.9"), p.lback());
        assertEquals(InetAddress.ofLiteral("192.0.2.255"), p.bcast());
        assertEquals(List.of(LoopbackAllow.parse("127.0.0.53:53"), LoopbackAllow.parse("127.10.0.0/16")), p.lbackAllow(), "once each");
        assertEquals(InetAddress.ofLiteral("127.0.0.1"), ChbindCommand.policy(List.of(), "127.0.0.1", null, List.of()).lback());
    }

    @Test
    void badAddressesAreNamed() {
        for (String bad : List.of("localhost", "127.1", "1.2.3.256", "1.2.3.4/33", "::1/129", "1.2.3.4/x", "")) {
            var e = assertThrows(IllegalArgumentException.class, () -> ChbindCommand.policy(List.of(bad), "127.0.0.1", null, List.of()));
            assertTrue(e.getMessage().startsWith("--ip " + bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ChbindCommand.policy(List.of(), "10.0.0.1", null, List.of()));
        assertThrows(IllegalArgumentException.class, () -> ChbindCommand.policy(List.of(), "127.0.0.1", "fd00::1", List.of()));
        for (String bad : List.of("10.0.0.1", "127.0.0.53:0", "::1", "127.0.0.1")) {
            var e = assertThrows(IllegalArgumentException.class, () -> ChbindCommand.policy(List.of(), "127.0.0.1", null, List.of(bad)));
            assertTrue(e.getMessage().startsWith("--lback-allow " + bad + ": "), e.getMessage());
        }
    }

    @Test
    void usageErrorsExitTwo() {
        var err = new ByteArrayOutputStream();
        assertEquals(2, Main.run("chbind", new String[] {"--ip", "nonsense", "--", "true"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true)));
        assertTrue(err.toString().startsWith("chbind: --ip nonsense"), err.toString());
        assertEquals(2, Main.run("chbind", new String[] {"--ip", "192.0.2.1"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())), "no command");
        var out = new ByteArrayOutputStream();
        assertEquals(0, Main.run("chbind", new String[] {"--help"}, new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(out.toString().contains("--secure") && out.toString().contains("--lback")
                && out.toString().contains("--lback-allow"), out.toString());
    }
}
