package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The name of a policy's cgroup: stable, and different whenever the programs would differ. */
class ChbindCgroupTest {
    static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    static BindPolicy policy(String... v4) {
        return new BindPolicy(List.of(v4).stream().map(ChbindCgroupTest::v4).toList(), List.of(), v4("127.0.0.1"), null);
    }

    @Test
    void theNameIsAHashOfThePolicy() {
        String n = ChbindCgroup.name(policy("192.0.2.1", "192.0.2.2", "192.0.2.3"));
        assertTrue(n.matches("chbind-[0-9a-f]{12}"), n);
        assertEquals(n, ChbindCgroup.name(policy("192.0.2.1", "192.0.2.3", "192.0.2.2")), "the order after the primary is irrelevant");
        assertNotEquals(n, ChbindCgroup.name(policy("192.0.2.2", "192.0.2.1", "192.0.2.3")), "another primary is another policy");
        assertNotEquals(n, ChbindCgroup.name(policy("192.0.2.1", "192.0.2.2")));
        assertNotEquals(n, ChbindCgroup.name(new BindPolicy(policy("192.0.2.1", "192.0.2.2", "192.0.2.3").v4(), List.of(),
                v4("127.0.0.2"), null)), "lback counts");
        assertEquals("sockaddr-2 v4=192.0.2.1,192.0.2.2 v6=- lback=127.0.0.1 bcast=- allow=-",
                ChbindCgroup.canonical(policy("192.0.2.1", "192.0.2.2")));
        var p = policy("192.0.2.1");
        var listed = new BindPolicy(p.v4(), p.v6(), p.lback(), null, List.of(LoopbackAllow.parse("127.0.0.53:53"), LoopbackAllow.parse("127.0.0.9")));
        assertNotEquals(ChbindCgroup.name(p), ChbindCgroup.name(listed), "lback-allow counts");
        assertEquals(ChbindCgroup.name(listed), ChbindCgroup.name(new BindPolicy(p.v4(), p.v6(), p.lback(), null,
                List.of(LoopbackAllow.parse("127.0.0.9"), LoopbackAllow.parse("127.0.0.53:53")))), "in any order");
        assertEquals("sockaddr-2 v4=192.0.2.1 v6=- lback=127.0.0.1 bcast=- allow=127.0.0.53:53,127.0.0.9", ChbindCgroup.canonical(listed));
        assertNotEquals(ChbindCgroup.name(p), ChbindCgroup.name(new BindPolicy(p.v4(), p.v6(), p.lback(), null, List.of(), true)),
                "privileged ports change the bind programs");
        assertTrue(ChbindCgroup.isChbind(n));
        for (String other : List.of("chbind-web", "chbind-0123456789AB", "chbind-0123456789abc", "web"))
            assertTrue(!ChbindCgroup.isChbind(other), other + " is not swept");
    }
}
