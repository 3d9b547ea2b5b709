package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.sys.Syscalls;

/**
 * The loopback rules of the programs, run in the interpreter on a {@link SockAddrContext} (no kernel, no root):
 * which destinations of 127.0.0.0/8 are let through, from which source, and which get EPERM.
 * SockAddrProgramsHostTest proves the same against the real hooks.
 */
class SockAddrRulesTest {
    static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    static final String PRIMARY = "192.0.2.10", LBACK = "127.0.0.42", OTHER_LBACK = "127.156.65.1";

    static final BindPolicy POLICY = new BindPolicy(List.of(v4(PRIMARY)), List.of((Inet6Address) InetAddress.ofLiteral("2001:db8::10")),
            v4(LBACK), null, List.of(LoopbackAllow.parse("127.0.0.53:53"), LoopbackAllow.parse("127.10.0.0/16"),
            LoopbackAllow.parse("127.0.0.9"), LoopbackAllow.parse("127.0.0.128/25:8080")));

    static final int EPERM = 1, EADDRNOTAVAIL = 99, ENETUNREACH = 101;

    /** A bpf_sock_addr for {@code dst}:{@code port} (IPv4, or IPv6 with a mapped or real address). */
    static byte[] ctx(String dst, int port) {
        byte[] c = new byte[SockAddrContext.CTX_SIZE];
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        byte[] a = InetAddress.ofLiteral(dst).getAddress();
        if (a.length == 4 && !dst.contains(":")) {
            b.putInt(0, Syscalls.AF_INET);
            System.arraycopy(a, 0, c, 4, 4);
        } else {
            b.putInt(0, Syscalls.AF_INET6);
            if (a.length == 4) {                                               // ofLiteral gives ::ffff:a.b.c.d as IPv4
                c[18] = (byte) 0xff;
                c[19] = (byte) 0xff;
                System.arraycopy(a, 0, c, 20, 4);
            } else {
                System.arraycopy(a, 0, c, 8, 16);
            }
        }
        c[24] = (byte) (port >>> 8);                                           // user_port: network order
        c[25] = (byte) port;
        return c;
    }

    static SockAddrContext.Run run(BindPolicy p, int hook, String dst, int port) {
        return SockAddrContext.run(SockAddrPrograms.of(p).get(hook), ctx(dst, port), new byte[SockAddrContext.SOCK_SIZE], 0);
    }

    /** Java turns ::ffff:a.b.c.d into an IPv4 address: said here as the kernel has it. */
    static String text(byte[] a, int off, int len) {
        try {
            InetAddress x = InetAddress.getByAddress(Arrays.copyOfRange(a, off, off + len));
            return (len == 16 && x instanceof Inet4Address ? "::ffff:" : "") + Addresses.text(x);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** What a connect did: "allow SRC -> DST" (the bpf_bind source, the destination after rewriting), or "errno N". */
    static String connect4(BindPolicy p, String dst, int port) {
        var r = run(p, Bpf.CGROUP_INET4_CONNECT, dst, port);
        if (r.r0() != 1) return "errno " + r.errno();
        return "allow " + text(r.bound(), 4, 4) + " -> " + text(r.ctx(), 4, 4);
    }

    static String connect6(BindPolicy p, String dst, int port) {
        var r = run(p, Bpf.CGROUP_INET6_CONNECT, dst, port);
        if (r.r0() != 1) return "errno " + r.errno();
        return "allow " + text(r.bound(), 8, 16) + " -> " + text(r.ctx(), 8, 16);
    }

    static String sendmsg4(BindPolicy p, String dst, int port) {
        var r = run(p, Bpf.CGROUP_UDP4_SENDMSG, dst, port);
        if (r.r0() != 1) return "errno " + r.errno();
        return "allow " + text(r.ctx(), 40, 4) + " -> " + text(r.ctx(), 4, 4);
    }

    @Test
    void ofTheLoopbackOnlyLbackAndTheListedAreReached() {
        assertEquals("allow " + LBACK + " -> " + LBACK, connect4(POLICY, "127.0.0.1", 5432), "127.0.0.1 is lback");
        assertEquals("allow " + LBACK + " -> " + LBACK, connect4(POLICY, "0.0.0.0", 5432), "so is 0.0.0.0");
        assertEquals("allow " + LBACK + " -> " + LBACK, connect4(POLICY, LBACK, 5432), "lback by its address");
        assertEquals("errno " + EPERM, connect4(POLICY, OTHER_LBACK, 5432), "another guest's lback");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.0.0.2", 80), "the host's");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.255.255.255", 80));
        assertEquals("allow " + LBACK + " -> 127.0.0.53", connect4(POLICY, "127.0.0.53", 53), "listed with its port: from lback");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.0.0.53", 54), "another port");
        assertEquals("allow " + LBACK + " -> 127.0.0.9", connect4(POLICY, "127.0.0.9", 1), "listed, every port");
        assertEquals("allow " + LBACK + " -> 127.0.0.9", connect4(POLICY, "127.0.0.9", 65535));
        assertEquals("allow " + LBACK + " -> 127.10.200.3", connect4(POLICY, "127.10.200.3", 22), "in a listed /16");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.11.0.1", 22), "next to it");
        assertEquals("allow " + LBACK + " -> 127.0.0.200", connect4(POLICY, "127.0.0.200", 8080), "a /25 with a port");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.0.0.127", 8080), "below the /25");
        assertEquals("errno " + EPERM, connect4(POLICY, "127.0.0.200", 8081));
        assertEquals("allow " + PRIMARY + " -> 198.51.100.1", connect4(POLICY, "198.51.100.1", 80), "anything else: as before, from the primary");
    }

    @Test
    void ipv6AndMappedDestinationsFollowTheSameRules() {
        assertEquals("allow ::ffff:" + LBACK + " -> ::ffff:" + LBACK, connect6(POLICY, "::1", 80), "::1 is lback");
        assertEquals("allow ::ffff:" + LBACK + " -> ::ffff:" + LBACK, connect6(POLICY, "::ffff:127.0.0.1", 80));
        assertEquals("errno " + EPERM, connect6(POLICY, "::ffff:" + OTHER_LBACK, 80));
        assertEquals("errno " + EPERM, connect6(POLICY, "::ffff:127.0.0.53", 54));
        assertEquals("allow ::ffff:" + LBACK + " -> ::ffff:127.0.0.53", connect6(POLICY, "::ffff:127.0.0.53", 53));
        assertEquals("allow 2001:db8::10 -> 2001:db8::99", connect6(POLICY, "2001:db8::99", 80));
        assertEquals("errno " + ENETUNREACH, sendmsg6(POLICY, "::1", 53), "UDP to ::1 cannot be mapped by the IPv6 hook");
    }

    static String sendmsg6(BindPolicy p, String dst, int port) {
        var r = run(p, Bpf.CGROUP_UDP6_SENDMSG, dst, port);
        return r.r0() == 1 ? "allow" : "errno " + r.errno();
    }

    @Test
    void udpFollowsTheSameRules() {
        assertEquals("allow " + LBACK + " -> " + LBACK, sendmsg4(POLICY, "127.0.0.1", 53));
        assertEquals("errno " + EPERM, sendmsg4(POLICY, OTHER_LBACK, 53));
        assertEquals("allow " + LBACK + " -> 127.0.0.53", sendmsg4(POLICY, "127.0.0.53", 53), "the source set to lback");
        assertEquals("errno " + EPERM, sendmsg4(POLICY, "127.0.0.53", 5353));
        assertEquals("allow " + PRIMARY + " -> 198.51.100.1", sendmsg4(POLICY, "198.51.100.1", 53));
    }

    @Test
    void withoutAListOnlyLbackAndOwnLoopbackAddresses() {
        var own = new BindPolicy(List.of(v4("127.20.0.1"), v4("127.20.0.2")), List.of(), v4(LBACK), null);
        assertEquals("allow 127.20.0.1 -> 127.20.0.2", connect4(own, "127.20.0.2", 80), "an own address, from the primary as any other");
        assertEquals("allow " + LBACK + " -> " + LBACK, connect4(own, "127.0.0.1", 80));
        assertEquals("errno " + EPERM, connect4(own, "127.20.0.3", 80));
        assertEquals("errno " + EPERM, connect4(own, "127.0.0.53", 53));
        assertEquals("errno " + EPERM, sendmsg4(own, "127.0.0.53", 53));
    }

    @Test
    void aGuestWithoutIpv4ReachesTheListedFromLback() {
        var none = new BindPolicy(List.of(), List.of(), v4(LBACK), null, List.of(LoopbackAllow.parse("127.0.0.53")));
        assertEquals("allow " + LBACK + " -> 127.0.0.53", connect4(none, "127.0.0.53", 53));
        assertEquals("errno " + EPERM, connect4(none, OTHER_LBACK, 53), "refused, not unreachable: the policy says no");
        assertEquals("errno " + ENETUNREACH, connect4(none, "198.51.100.1", 80));
    }

    /** The longest list config accepts: every entry with a port, the last one the one that matches. */
    static BindPolicy longest() {
        var l = new java.util.ArrayList<LoopbackAllow>();
        for (int i = 0; i < LoopbackAllow.MAX; i++) l.add(LoopbackAllow.parse("127.1." + (i / 250) + "." + (i % 250 + 1) + ":" + (1000 + i)));
        return new BindPolicy(List.of(v4(PRIMARY)), List.of(), v4(LBACK), null, l);
    }

    @Test
    void theLongestListStillAssembles() {
        int last = LoopbackAllow.MAX - 1;
        String dst = "127.1." + (last / 250) + "." + (last % 250 + 1);
        assertEquals("allow " + LBACK + " -> " + dst, connect4(longest(), dst, 1000 + last));
        assertEquals("errno " + EPERM, connect4(longest(), dst, 1000));
        assertEquals("errno " + EPERM, sendmsg4(longest(), dst, 1000));
        assertEquals("allow ::ffff:" + LBACK + " -> ::ffff:" + dst, connect6(longest(), "::ffff:" + dst, 1000 + last));
    }

    /** POLICY with privileged ports: a bind it allows skips the kernel's CAP_NET_BIND_SERVICE check. */
    static final BindPolicy PRIVILEGED = new BindPolicy(POLICY.v4(), POLICY.v6(), POLICY.lback(), v4("192.0.2.255"), POLICY.lbackAllow(), true);

    /** What a bind did: "R0 ADDRESS-AFTER" or "errno N" (the rewrite is the same either way). */
    static String bind(BindPolicy p, String addr, int port) {
        boolean six = addr.contains(":");
        var r = run(p, six ? Bpf.CGROUP_INET6_BIND : Bpf.CGROUP_INET4_BIND, addr, port);
        if (r.r0() == 0) return "errno " + r.errno();
        return r.r0() + " " + (six ? text(r.ctx(), 8, 16) : text(r.ctx(), 4, 4));
    }

    @Test
    void aBindOfAnOwnAddressReturnsThreeOnlyWithPrivilegedPorts() {
        var plain = new BindPolicy(POLICY.v4(), POLICY.v6(), POLICY.lback(), v4("192.0.2.255"), POLICY.lbackAllow(), false);
        String[][] allowed = {
                {"0.0.0.0", PRIMARY}, {"127.0.0.1", LBACK}, {PRIMARY, PRIMARY}, {LBACK, LBACK}, {"192.0.2.255", "192.0.2.255"},
                {"::", "2001:db8::10"}, {"::1", "::ffff:" + LBACK}, {"::ffff:127.0.0.1", "::ffff:" + LBACK},
                {"::ffff:" + PRIMARY, "::ffff:" + PRIMARY}, {"2001:db8::10", "2001:db8::10"}};
        for (int port : new int[] {80, 0, 1023, 1024, 8080})
            for (String[] a : allowed) {
                assertEquals("1 " + a[1], bind(plain, a[0], port), a[0] + ":" + port + " without privileged ports");
                assertEquals("3 " + a[1], bind(PRIVILEGED, a[0], port), a[0] + ":" + port + " with them: allowed, no capability check");
            }
        for (String refused : new String[] {OTHER_LBACK, "127.0.0.53", "198.51.100.1", "::ffff:" + OTHER_LBACK, "2001:db8::11"})
            for (BindPolicy p : List.of(plain, PRIVILEGED))
                assertEquals("errno " + EADDRNOTAVAIL, bind(p, refused, 80), refused + " stays refused, privileged ports or not");
        var noV4 = new BindPolicy(List.of(), List.of(), v4(LBACK), null, List.of(), true);
        assertEquals("3 " + LBACK, bind(noV4, "0.0.0.0", 80), "a guest without IPv4: its wildcard is lback");
        assertEquals("errno " + EADDRNOTAVAIL, bind(noV4, "::ffff:" + PRIMARY, 80));
    }

    @Test
    void onlyTheBindProgramsChangeAndConnectStillReturnsOne() {
        var plain = SockAddrPrograms.of(POLICY);
        var privileged = SockAddrPrograms.of(new BindPolicy(POLICY.v4(), POLICY.v6(), POLICY.lback(), null, POLICY.lbackAllow(), true));
        for (int hook : plain.keySet()) {
            boolean bind = hook == Bpf.CGROUP_INET4_BIND || hook == Bpf.CGROUP_INET6_BIND;
            assertEquals(!bind, plain.get(hook).equals(privileged.get(hook)), SockAddrPrograms.name(hook));
            assertEquals(plain.get(hook).size(), privileged.get(hook).size(), "the same code but the allow exit's R0");
        }
        assertEquals("allow " + LBACK + " -> " + LBACK, connect4(PRIVILEGED, "127.0.0.1", 80), "connect hooks take only 0 or 1");
        assertEquals(1, run(PRIVILEGED, Bpf.CGROUP_INET4_CONNECT, "198.51.100.1", 80).r0());
        assertEquals(1, run(PRIVILEGED, Bpf.CGROUP_UDP4_SENDMSG, "198.51.100.1", 53).r0());
    }

    @Test
    void noOtherLoopbackAddressCanBeBound() {
        var r = run(POLICY, Bpf.CGROUP_INET4_BIND, OTHER_LBACK, 0);
        assertEquals(0, r.r0());
        assertEquals(EADDRNOTAVAIL, r.errno(), "another guest's lback: EADDRNOTAVAIL");
        assertEquals(EADDRNOTAVAIL, run(POLICY, Bpf.CGROUP_INET4_BIND, "127.0.0.53", 0).errno(), "a listed address is to reach, not to bind");
        assertEquals(EADDRNOTAVAIL, run(POLICY, Bpf.CGROUP_INET6_BIND, "::ffff:" + OTHER_LBACK, 0).errno());
        var lo = run(POLICY, Bpf.CGROUP_INET4_BIND, "127.0.0.1", 0);
        assertEquals(1, lo.r0());
        assertEquals(LBACK, text(lo.ctx(), 4, 4));
        assertNull(lo.bound());
    }
}
