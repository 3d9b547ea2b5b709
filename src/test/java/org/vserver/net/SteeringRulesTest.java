package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;

/**
 * Wildcard steering without a kernel: the steered bind hooks and lback6 in the interpreter
 * ({@link SockAddrContext}), the sock_ops and sk_lookup programs against modelled maps
 * ({@link SteeringModels}), and the map keys. SteeringHostTest runs the same on the kernel.
 */
class SteeringRulesTest {
    static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    static Inet6Address v6(String s) { return (Inet6Address) InetAddress.ofLiteral(s); }

    static final String PRIMARY = "192.0.2.10", LBACK = "127.0.0.42", OWN6 = "2001:db8::10";
    /** lback6Of(LBACK). */
    static final String LBACK6 = "fd7f:7673::7f00:2a";
    static final int XID = 4242;

    static BindPolicy steered(List<Inet6Address> v6s) {
        return new BindPolicy(List.of(v4(PRIMARY)), v6s, v4(LBACK), null, List.of(), false, XID, v6(LBACK6));
    }

    static final BindPolicy STEERED = steered(List.of());

    static SockAddrContext.Run run(BindPolicy p, int hook, String addr, int port, int storage) {
        return SockAddrContext.run(SockAddrPrograms.of(p).get(hook), SockAddrRulesTest.ctx(addr, port), new byte[SockAddrContext.SOCK_SIZE], 0, storage);
    }

    /** "R0 ADDRESS-AFTER storage=FLAGS" of a bind, or "errno N". */
    static String bind(BindPolicy p, String addr, int storage) {
        boolean six = addr.contains(":");
        var r = run(p, six ? Bpf.CGROUP_INET6_BIND : Bpf.CGROUP_INET4_BIND, addr, 80, storage);
        if (r.r0() == 0) return "errno " + r.errno();
        return r.r0() + " " + (six ? SockAddrRulesTest.text(r.ctx(), 8, 16) : SockAddrRulesTest.text(r.ctx(), 4, 4)) + " storage=" + r.storage();
    }

    @Test void aWildcardBindIsMarkedAndAnExactOneUnmarked() {
        assertEquals("1 " + PRIMARY + " storage=1", bind(STEERED, "0.0.0.0", -1), "0.0.0.0: the primary, marked");
        assertEquals("1 ::ffff:" + PRIMARY + " storage=1", bind(STEERED, "::ffff:0.0.0.0", -1), "a mapped wildcard too");
        assertEquals("1 " + LBACK6 + " storage=1", bind(STEERED, "::", -1), ":: without IPv6: lback6, not mapped");
        assertEquals("1 " + OWN6 + " storage=1", bind(steered(List.of(v6(OWN6))), "::", -1), ":: with IPv6: the IPv6 primary");
        assertEquals("1 " + LBACK + " storage=-1", bind(STEERED, "127.0.0.1", -1), "an exact bind creates no storage");
        assertEquals("1 " + LBACK + " storage=0", bind(STEERED, "127.0.0.1", 1), "and clears a mark left by a failed wildcard bind");
        assertEquals("1 " + PRIMARY + " storage=4", bind(STEERED, PRIMARY, 5), "only bit 0");
        assertEquals("1 " + LBACK6 + " storage=-1", bind(STEERED, "::1", -1), "::1 is lback6");
        assertEquals("1 " + LBACK6 + " storage=-1", bind(STEERED, LBACK6, -1), "lback6 is an own address");
        assertEquals("errno 99", bind(STEERED, "fd7f::43", -1));
        assertEquals("errno 99", bind(STEERED, "127.0.0.43", 1));
    }

    /** The bit of skc_ipv6only on the test's kernel (bit 157 on 6.18: byte 19, mask 0x20). */
    static final int BIT = 157;

    static BindPolicy seeing(List<Inet4Address> v4s, List<Inet6Address> v6s, int bit) {
        return new BindPolicy(v4s, v6s, v4(LBACK), null, List.of(), false, XID, v6(LBACK6), bit);
    }

    /** {@link #bind} of {@code ::} by a socket of {@code protocol} (0: neither TCP nor UDP) with IPV6_V6ONLY {@code v6only}. */
    static String bindAny(BindPolicy p, int protocol, boolean v6only) {
        var kernel = protocol == 0 ? null : SockAddrContext.KernelSock.of(protocol, p.ipv6onlyBit() < 0 ? BIT : p.ipv6onlyBit(), v6only);
        var r = SockAddrContext.run(SockAddrPrograms.of(p).get(Bpf.CGROUP_INET6_BIND), SockAddrRulesTest.ctx("::", 80),
                new byte[SockAddrContext.SOCK_SIZE], 0, -1, kernel);
        if (r.r0() == 0) return "errno " + r.errno();
        return SockAddrRulesTest.text(r.ctx(), 8, 16) + (r.storage() == 1 ? " marked" : " storage=" + r.storage());
    }

    static final int TCP6 = SockAddrContext.KernelSock.TCP, UDP6 = SockAddrContext.KernelSock.UDP;

    @Test void aDualStackWildcardStaysDualStackAndAV6onlyOneGetsAnIpv6Address() {
        var both = seeing(List.of(v4(PRIMARY)), List.of(v6(OWN6)), BIT);
        assertEquals("::ffff:" + PRIMARY + " marked", bindAny(both, TCP6, false), "dual-stack: mapped, so the kernel leaves V6ONLY off");
        assertEquals(OWN6 + " marked", bindAny(both, TCP6, true), "V6ONLY: the IPv6 primary");
        assertEquals("::ffff:" + PRIMARY + " marked", bindAny(both, UDP6, false), "UDP is read through its own helper");
        assertEquals(OWN6 + " marked", bindAny(both, UDP6, true));
        assertEquals("::ffff:" + PRIMARY + " marked", bindAny(both, 0, true), "neither TCP nor UDP: taken as dual-stack");
        var noIpv6 = seeing(List.of(v4(PRIMARY)), List.of(), BIT);
        assertEquals(LBACK6 + " marked", bindAny(noIpv6, TCP6, true), "V6ONLY without IPv6: lback6, never mapped (EINVAL)");
        assertEquals("::ffff:" + PRIMARY + " marked", bindAny(noIpv6, TCP6, false));
        var noIpv4 = seeing(List.of(), List.of(v6(OWN6)), BIT);
        assertEquals(OWN6 + " marked", bindAny(noIpv4, TCP6, false), "dual-stack without IPv4: the IPv6 primary");
        var neither = seeing(List.of(), List.of(), BIT);
        assertEquals(LBACK6 + " marked", bindAny(neither, TCP6, false), "and without either: lback6");
        assertEquals(LBACK6 + " marked", bindAny(neither, TCP6, true));
        var otherBit = seeing(List.of(v4(PRIMARY)), List.of(v6(OWN6)), 3);
        assertEquals(OWN6 + " marked", bindAny(otherBit, TCP6, true), "the offset is the policy's, not 157");
        assertEquals("::ffff:" + PRIMARY + " marked", bindAny(otherBit, TCP6, false));
        assertEquals("errno 99", bind(both, "2001:db8::99", -1), "the other rules stay");
        assertEquals("1 " + LBACK6 + " storage=-1", bind(both, "::1", -1));
    }

    @Test void withoutTheOffsetTheWildcardIsWhatItWas() {
        var both = seeing(List.of(v4(PRIMARY)), List.of(v6(OWN6)), -1);
        assertEquals(OWN6 + " marked", bindAny(both, TCP6, false), "no offset: V6ONLY or not, the IPv6 primary");
        assertEquals(OWN6 + " marked", bindAny(both, TCP6, true));
        assertEquals(LBACK6 + " marked", bindAny(seeing(List.of(v4(PRIMARY)), List.of(), -1), TCP6, false));
        assertEquals(steered(List.of(v6(OWN6))), both, "the 8-argument constructor means -1");
        var unsteered = new BindPolicy(List.of(v4(PRIMARY)), List.of(v6(OWN6)), v4(LBACK), null, List.of(), false, 0, v6(LBACK6), BIT);
        assertEquals(SockAddrPrograms.of(new BindPolicy(List.of(v4(PRIMARY)), List.of(v6(OWN6)), v4(LBACK), null, List.of(), false, 0,
                v6(LBACK6))), SockAddrPrograms.of(unsteered), "the offset matters only to steering");
        List<Insn> bind6 = SockAddrPrograms.of(seeing(List.of(v4(PRIMARY)), List.of(), BIT)).get(Bpf.CGROUP_INET6_BIND);
        assertTrue(bind6.contains(Insn.ldxb(2, 0, 19)), "one byte, at 157 / 8: " + bind6);
        assertTrue(bind6.contains(Insn.call(Bpf.FUNC_SKC_TO_TCP6_SOCK)) && bind6.contains(Insn.call(Bpf.FUNC_SKC_TO_UDP6_SOCK)));
        assertThrows(IllegalArgumentException.class, () -> seeing(List.of(), List.of(), -2));
        assertNotEquals(ChbindCgroup.name(both), ChbindCgroup.name(seeing(List.of(v4(PRIMARY)), List.of(v6(OWN6)), BIT)),
                "other programs, another cgroup");
    }

    @Test void lback6WithoutSteeringRewritesButMarksNothing() {
        var p = new BindPolicy(List.of(v4(PRIMARY)), List.of(), v4(LBACK), null, List.of(), false, 0, v6(LBACK6));
        assertEquals("1 " + LBACK6 + " storage=-1", bind(p, "::", -1));
        assertEquals("1 " + PRIMARY + " storage=-1", bind(p, "0.0.0.0", -1));
        assertFalse(SockAddrPrograms.of(p).containsKey(Bpf.CGROUP_SOCK_OPS), "no sock_ops without an xid");
    }

    static String connect6(BindPolicy p, String dst) {
        var r = run(p, Bpf.CGROUP_INET6_CONNECT, dst, 80, -1);
        if (r.r0() != 1) return "errno " + r.errno();
        return "allow " + SockAddrRulesTest.text(r.bound(), 8, 16) + " -> " + SockAddrRulesTest.text(r.ctx(), 8, 16);
    }

    static String sendmsg6(BindPolicy p, String dst) {
        var r = run(p, Bpf.CGROUP_UDP6_SENDMSG, dst, 53, -1);
        if (r.r0() != 1) return "errno " + r.errno();
        return "allow " + SockAddrRulesTest.text(r.ctx(), 44, 16) + " -> " + SockAddrRulesTest.text(r.ctx(), 8, 16);
    }

    @Test void theIpv6LoopbackIsLback6FromLback6() {
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, connect6(STEERED, "::1"));
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, connect6(STEERED, "::"), ":: is the kernel's loopback");
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, connect6(STEERED, LBACK6));
        assertEquals("errno 101", connect6(STEERED, "2001:db8::99"), "no IPv6 route without IPv6");
        assertEquals("allow ::ffff:" + LBACK + " -> ::ffff:" + LBACK, connect6(STEERED, "::ffff:127.0.0.1"), "mapped: the IPv4 rules");
        var six = steered(List.of(v6(OWN6)));
        assertEquals("allow " + OWN6 + " -> 2001:db8::99", connect6(six, "2001:db8::99"));
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, connect6(six, "::1"));
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, sendmsg6(STEERED, "::1"), "UDP too, instead of ENETUNREACH");
        assertEquals("allow " + LBACK6 + " -> " + LBACK6, sendmsg6(STEERED, LBACK6));
        assertEquals("errno 101", sendmsg6(STEERED, "2001:db8::99"));
        assertEquals("allow " + OWN6 + " -> 2001:db8::99", sendmsg6(six, "2001:db8::99"));
    }

    @Test void lback6IsThePrefixAndTheIpv4Lback() {
        assertEquals(v6(LBACK6), BindPolicy.lback6Of(v4(LBACK)));
        assertEquals(v6("fd7f:7673::7f00:201"), BindPolicy.lback6Of(v4("127.0.2.1")));
        assertTrue(BindPolicy.inLback6Net(BindPolicy.lback6Of(v4("127.255.255.254"))));
        assertFalse(BindPolicy.inLback6Net(v6("fd7f:7674::7f00:201")));
        assertFalse(BindPolicy.inLback6Net(v4("127.0.2.1")));
        assertEquals(96, BindPolicy.LBACK6_PREFIX);
    }

    @Test void anotherGuestsLback6IsRefusedAsItsLbackIs() {
        String other = Addresses.text(BindPolicy.lback6Of(v4("127.0.0.43")));
        var six = steered(List.of(v6(OWN6)));
        for (BindPolicy p : List.of(STEERED, six)) {
            assertEquals("errno 1", connect6(p, other), "EPERM, as connect4 to 127.0.0.43");
            assertEquals("errno 1", sendmsg6(p, other));
            assertEquals("allow " + LBACK6 + " -> " + LBACK6, connect6(p, LBACK6), "its own is fine");
            assertEquals("errno 1", connect6(p, "fd7f:7673::1"), "anything in the prefix");
        }
        assertEquals("allow " + OWN6 + " -> fd7f:7674::1", connect6(six, "fd7f:7674::1"), "outside the prefix: an address as any");
        var noLback6 = new BindPolicy(List.of(v4(PRIMARY)), List.of(v6(OWN6)), v4(LBACK), null, List.of(), false, XID, null);
        assertEquals("errno 1", connect6(noLback6, other), "steered without an lback6 of its own");
        assertEquals("errno 1", sendmsg6(noLback6, other));
        var chbind = new BindPolicy(List.of(v4(PRIMARY)), List.of(v6(OWN6)), v4(LBACK), null);
        assertEquals("allow " + OWN6 + " -> " + other, connect6(chbind, other), "a chbind command's programs are what they were");
    }

    @Test void xidZeroIsTodaysProgramsAndASteeredPolicyAddsSockOps() {
        var plain = SockAddrRulesTest.POLICY;
        var explicit = new BindPolicy(plain.v4(), plain.v6(), plain.lback(), plain.bcast(), plain.lbackAllow(), false, 0, null);
        assertEquals(SockAddrPrograms.of(plain), SockAddrPrograms.of(explicit));
        assertFalse(SockAddrPrograms.of(plain).containsKey(Bpf.CGROUP_SOCK_OPS));
        var withXid = new BindPolicy(plain.v4(), plain.v6(), plain.lback(), plain.bcast(), plain.lbackAllow(), false, XID, null);
        var a = SockAddrPrograms.of(plain);
        var b = SockAddrPrograms.of(withXid);
        assertEquals(Bpf.CGROUP_SOCK_OPS, List.copyOf(b.keySet()).getLast());
        for (int hook : a.keySet()) {
            boolean changes = hook == Bpf.CGROUP_INET4_BIND || hook == Bpf.CGROUP_INET6_BIND      // they mark
                    || hook == Bpf.CGROUP_INET6_CONNECT || hook == Bpf.CGROUP_UDP6_SENDMSG;         // they refuse LBACK6_NET
            assertEquals(!changes, a.get(hook).equals(b.get(hook)), SockAddrPrograms.name(hook));
        }
        assertEquals("vserver_sockops", SockAddrPrograms.name(Bpf.CGROUP_SOCK_OPS));
        assertEquals(Bpf.PROG_TYPE_SOCK_OPS, SockAddrPrograms.progType(Bpf.CGROUP_SOCK_OPS));
        assertEquals(Bpf.PROG_TYPE_CGROUP_SOCK, SockAddrPrograms.progType(Bpf.CGROUP_INET_SOCK_CREATE));
        assertEquals(Bpf.PROG_TYPE_CGROUP_SOCK_ADDR, SockAddrPrograms.progType(Bpf.CGROUP_UDP6_SENDMSG));
        assertNotEquals(ChbindCgroup.name(plain), ChbindCgroup.name(withXid));
        assertEquals(ChbindCgroup.name(plain), ChbindCgroup.name(explicit));
    }

    @Test void mapsAreNamedByIndexOnly() {
        Map<String, List<Insn>> all = new java.util.LinkedHashMap<>();
        SockAddrPrograms.of(steered(List.of(v6(OWN6)))).forEach((t, p) -> all.put(SockAddrPrograms.name(t), p));
        all.put(SkLookupProgram.NAME, SkLookupProgram.program());
        Map<String, Set<Integer>> used = new java.util.TreeMap<>();
        for (var e : all.entrySet()) {
            List<Insn> p = e.getValue();
            assertEquals(p, Insn.decode(Insn.encode(p)));
            assertEquals(Insn.exit(), p.getLast(), e.getKey());
            assertTrue(e.getKey().length() <= 15, e.getKey());
            for (Insn i : p) {
                if (i.code() != (Insn.LD | Insn.DW | Insn.IMM)) continue;
                assertEquals(Bpf.PSEUDO_MAP_IDX, i.src(), "no BPF_PSEUDO_MAP_FD: the bytes must not depend on the loader's fds");
                used.computeIfAbsent(e.getKey(), k -> new java.util.TreeSet<>()).add(i.imm());
            }
        }
        assertEquals(Map.of("vserver_bind4", Set.of(0), "vserver_bind6", Set.of(0), "vserver_sockops", Set.of(0, 1, 2),
                SkLookupProgram.NAME, Set.of(1, 2, 3)), used);
    }

    static byte[] a4(String s) { return InetAddress.ofLiteral(s).getAddress(); }

    @Test void sockOpsRegistersListenersAtListen() {
        List<Insn> p = SockAddrPrograms.of(STEERED).get(Bpf.CGROUP_SOCK_OPS);
        var wild = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, 2, a4(PRIMARY), 8080, 1);
        assertEquals(1, wild.r0());
        assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, null, 8080, 2, true))), wild.socks().keySet(), "a marked socket: the wildcard entry");
        assertTrue(wild.rogue().isEmpty());
        var exact = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, 2, a4(PRIMARY), 8080, -1);
        assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, v4(PRIMARY), 8080, 2, false))), exact.socks().keySet());
        var unmarked = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, 2, a4(PRIMARY), 8080, 0);
        assertEquals(exact.socks(), unmarked.socks());
        var six = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, 10, a4(LBACK6), 443, -1);
        assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, v6(LBACK6), 443, 10, false))), six.socks().keySet());
        var mapped = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, 10, SteeringMaps.address(v4(PRIMARY)), 443, -1);
        assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, v4(PRIMARY), 443, 10, false))), mapped.socks().keySet(), "v4-mapped as ADDRS has it");
        for (int family : new int[] {2, 10}) {
            var auto = SteeringModels.SockOps.run(p, Bpf.SOCK_OPS_TCP_LISTEN_CB, family, new byte[family == 2 ? 4 : 16], 39745, -1);
            assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, null, 39745, family, true))), auto.socks().keySet(), "autobound: a wildcard");
            assertEquals(Set.of(hex(SteeringMaps.rogueKey(39745, family))), auto.rogue().keySet(), "and rogue");
        }
        var other = SteeringModels.SockOps.run(p, 4 /* BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB */, 2, a4(PRIMARY), 8080, 1);
        assertEquals(1, other.r0());
        assertTrue(other.socks().isEmpty() && other.rogue().isEmpty(), "only listen()");
    }

    static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    static final int OTHER_XID = 7;

    /** ADDRS with guest XID (PRIMARY, LBACK and LBACK6 loopback) and another guest's 198.51.100.7. */
    static SteeringModels.SkLookup lookup() {
        var m = new SteeringModels.SkLookup();
        m.addrs.put(hex(SteeringMaps.addrsKey(v4(PRIMARY))), SteeringMaps.addrsValue(XID, false));
        m.addrs.put(hex(SteeringMaps.addrsKey(v4("192.0.2.11"))), SteeringMaps.addrsValue(XID, false));
        m.addrs.put(hex(SteeringMaps.addrsKey(v4(LBACK))), SteeringMaps.addrsValue(XID, true));
        m.addrs.put(hex(SteeringMaps.addrsKey(v6(LBACK6))), SteeringMaps.addrsValue(XID, true));
        m.addrs.put(hex(SteeringMaps.addrsKey(v4("198.51.100.7"))), SteeringMaps.addrsValue(OTHER_XID, false));
        return m;
    }

    static final int TCP = 6, UDP = 17;

    static String verdict(SteeringModels.SkLookup m, String dst, int port) {
        var r = m.connect(a4(dst), port, TCP);
        return (r.verdict() == Bpf.SK_PASS ? "pass" : "drop") + (r.assigned() == null ? "" : " " + r.assigned());
    }

    @Test void skLookupPrefersTheExactListenerThenTheWildcard() {
        var m = lookup();
        m.socks.put(hex(SteeringMaps.socksKey(XID, null, 80, 2, true)), new SteeringModels.Listener("wild4", 2, false));
        m.socks.put(hex(SteeringMaps.socksKey(XID, v4("192.0.2.11"), 80, 2, false)), new SteeringModels.Listener("exact", 2, false));
        assertEquals("pass wild4", verdict(m, PRIMARY, 80));
        assertEquals("pass exact", verdict(m, "192.0.2.11", 80));
        assertEquals("pass wild4", verdict(m, LBACK, 80), "lback reaches the wildcard");
        assertEquals("drop", verdict(m, LBACK, 81), "an unclaimed lback port: refused");
        assertEquals("pass", verdict(m, PRIMARY, 81), "an unclaimed real address: the kernel's lookup");
        assertEquals("pass", verdict(m, "198.51.100.7", 80), "another guest's address: not this guest's listener");
        assertEquals("pass", verdict(m, "203.0.113.1", 80), "nobody's");
        assertEquals("drop", verdict(m, LBACK6, 80), "no IPv6 listener: lback6 refused");
        var udp = m.connect(a4(LBACK), 81, UDP);
        assertEquals(Bpf.SK_PASS, udp.verdict(), "UDP is left alone");
        assertNull(udp.assigned());
    }

    @Test void ipv4FallsBackToADualStackSocketNotToAnIpv6OnlyOne() {
        var m = lookup();
        m.socks.put(hex(SteeringMaps.socksKey(XID, null, 80, 10, true)), new SteeringModels.Listener("dual", 10, false));
        m.socks.put(hex(SteeringMaps.socksKey(XID, null, 443, 10, true)), new SteeringModels.Listener("v6only", 10, true));
        m.socks.put(hex(SteeringMaps.socksKey(XID, v4(PRIMARY), 8443, 10, false)), new SteeringModels.Listener("mapped", 10, false));
        assertEquals("pass dual", verdict(m, PRIMARY, 80));
        assertEquals("pass dual", verdict(m, LBACK6, 80));
        assertEquals("pass", verdict(m, PRIMARY, 443), "EAFNOSUPPORT: on to the kernel's lookup");
        assertEquals("drop", verdict(m, LBACK, 443), "and on lback, refused");
        assertEquals("pass v6only", verdict(m, LBACK6, 443));
        assertEquals("pass mapped", verdict(m, PRIMARY, 8443), "a dual-stack socket on the mapped address takes IPv4 exactly");
    }

    /** What bind6 makes of a dual-stack {@code [::]} (bound to {@code ::ffff:PRIMARY}, marked), from listen() to the lookup. */
    @Test void aDualStackListenerOnTheMappedPrimaryTakesBothFamilies() {
        var m = lookup();
        m.addrs.put(hex(SteeringMaps.addrsKey(v6(OWN6))), SteeringMaps.addrsValue(XID, false));
        var listen = SteeringModels.SockOps.run(SockAddrPrograms.of(STEERED).get(Bpf.CGROUP_SOCK_OPS), Bpf.SOCK_OPS_TCP_LISTEN_CB, 10,
                SteeringMaps.address(v4(PRIMARY)), 80, SteeringMaps.WILDCARD);
        assertEquals(Set.of(hex(SteeringMaps.socksKey(XID, null, 80, 10, true))), listen.socks().keySet(), "a wildcard IPv6 entry");
        m.socks.put(listen.socks().keySet().iterator().next(), new SteeringModels.Listener("dual", 10, false));
        for (String dst : List.of(PRIMARY, "192.0.2.11", LBACK, LBACK6, OWN6)) assertEquals("pass dual", verdict(m, dst, 80), dst);
        assertEquals("pass", verdict(m, "198.51.100.7", 80), "not another guest's");
    }

    @Test void anAutoboundWildcardIsDroppedOffTheGuestsAddresses() {
        var m = lookup();
        var auto = new SteeringModels.Listener("auto", 2, false);
        m.socks.put(hex(SteeringMaps.socksKey(XID, null, 39745, 2, true)), auto);
        m.rogue.put(hex(SteeringMaps.rogueKey(39745, 2)), auto);
        assertEquals("pass auto", verdict(m, PRIMARY, 39745));
        assertEquals("drop", verdict(m, "203.0.113.1", 39745), "nobody's address");
        assertEquals("drop", verdict(m, "198.51.100.7", 39745), "another guest's");
        assertEquals("pass", verdict(m, "203.0.113.1", 39746));
        var m6 = lookup();
        var auto6 = new SteeringModels.Listener("auto6", 10, false);
        m6.rogue.put(hex(SteeringMaps.rogueKey(40000, 10)), auto6);
        assertEquals("drop", verdict(m6, "203.0.113.1", 40000), "an IPv6 autobound socket takes IPv4 too");
        assertEquals("drop", verdict(m6, "2001:db8::1", 40000));
    }

    @Test void keysAreLaidOutAsThePrograms() {
        assertEquals("d2100000" + "00000000000000000000ffffc000020a" + "5000" + "02" + "00",
                hex(SteeringMaps.socksKey(4306, v4(PRIMARY), 80, 2, false)));
        assertEquals("d2100000" + "00".repeat(16) + "bb01" + "0a" + "01", hex(SteeringMaps.socksKey(4306, v6(OWN6), 443, 10, true)));
        assertEquals("bb010a00", hex(SteeringMaps.rogueKey(443, 10)));
        assertEquals("20010db8000000000000000000000010", hex(SteeringMaps.addrsKey(v6(OWN6))));
        assertEquals("d210000001000000", hex(SteeringMaps.addrsValue(4306, true)));
        assertEquals(List.of("vserver_storage", "vserver_socks", "vserver_rogue", "vserver_addrs"),
                SteeringMaps.ALL.stream().map(SteeringMaps.Spec::name).toList());
        assertThrows(IllegalArgumentException.class, () -> new BindPolicy(List.of(), List.of(), v4(LBACK), null, List.of(), false, -1, null));
        assertThrows(IllegalArgumentException.class, () -> new BindPolicy(List.of(), List.of(), v4(LBACK), null, List.of(), false, 1, v6("::1")));
    }
}
