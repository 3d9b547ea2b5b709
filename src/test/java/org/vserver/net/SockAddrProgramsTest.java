package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;

/**
 * What can be checked without a kernel: one program per hook with a name the kernel accepts, the
 * byte order of the constants, and every address of the policy present in the code. The rules
 * themselves are proven by SockAddrProgramsHostTest against the real verifier and hooks.
 */
class SockAddrProgramsTest {
    static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    static final BindPolicy POLICY = new BindPolicy(List.of(v4("192.0.2.10"), v4("192.0.2.11")),
            List.of((Inet6Address) InetAddress.ofLiteral("2001:db8::10")), v4("127.0.0.42"), v4("192.0.2.255"));

    @Test
    void oneProgramPerHookWithAShortName() {
        var programs = SockAddrPrograms.of(POLICY);
        assertEquals(Set.of(Bpf.CGROUP_INET_SOCK_CREATE, Bpf.CGROUP_INET4_BIND, Bpf.CGROUP_INET6_BIND, Bpf.CGROUP_INET4_CONNECT,
                Bpf.CGROUP_INET6_CONNECT, Bpf.CGROUP_UDP4_SENDMSG, Bpf.CGROUP_UDP6_SENDMSG), programs.keySet());
        Set<String> names = new HashSet<>();
        for (int type : programs.keySet()) {
            String n = SockAddrPrograms.name(type);
            assertTrue(n.startsWith(SockAddrPrograms.NAME_PREFIX) && n.length() <= 15 && n.matches("[A-Za-z0-9_.]+"), n);
            names.add(n);
            List<Insn> p = programs.get(type);
            assertEquals(p, Insn.decode(Insn.encode(p)));
            assertEquals(Insn.exit(), p.getLast(), "ends in exit");
        }
        assertEquals(7, names.size());
    }

    @Test
    void aLoadedAddressWordIsLittleEndian() {
        // 127.0.0.1 in memory: 7f 00 00 01; a 32-bit load on x86_64 reads 0x0100007f
        assertEquals(0x0100007f, SockAddrPrograms.word(new byte[] {127, 0, 0, 1}, 0));
        assertEquals(0xff0200c0, SockAddrPrograms.word(v4("192.0.2.255").getAddress(), 0));
    }

    @Test
    void everyAddressOfThePolicyIsInTheCode() {
        var programs = SockAddrPrograms.of(POLICY);
        Set<Integer> bind4 = immediates(programs.get(Bpf.CGROUP_INET4_BIND));
        for (String a : List.of("192.0.2.10", "192.0.2.11", "127.0.0.42", "192.0.2.255", "127.0.0.1"))
            assertTrue(bind4.contains(SockAddrPrograms.word(v4(a).getAddress(), 0)), a);
        byte[] six = InetAddress.ofLiteral("2001:db8::10").getAddress();
        Set<Integer> send6 = immediates(programs.get(Bpf.CGROUP_UDP6_SENDMSG));
        for (int i = 0; i < 16; i += 4) assertTrue(send6.contains(SockAddrPrograms.word(six, i)), "IPv6 word " + i);
        assertTrue(immediates(programs.get(Bpf.CGROUP_INET4_CONNECT)).contains(Bpf.FUNC_BIND), "connect binds the source");
        assertTrue(immediates(programs.get(Bpf.CGROUP_INET4_BIND)).contains(Bpf.FUNC_SET_RETVAL), "refusals set the errno");
        assertTrue(immediates(programs.get(Bpf.CGROUP_INET4_BIND)).contains(-99), "EADDRNOTAVAIL");
        assertTrue(immediates(programs.get(Bpf.CGROUP_INET6_CONNECT)).contains(-101) == false,
                "a guest with IPv6 never needs ENETUNREACH for connect6");
    }

    @Test
    void withoutAddressesAFamilyIsUnreachable() {
        var none = new BindPolicy(List.of(), List.of(), v4("127.0.0.42"), null);
        var programs = SockAddrPrograms.of(none);
        for (int type : List.of(Bpf.CGROUP_INET4_CONNECT, Bpf.CGROUP_INET6_CONNECT, Bpf.CGROUP_UDP4_SENDMSG, Bpf.CGROUP_UDP6_SENDMSG))
            assertTrue(immediates(programs.get(type)).contains(-101), "ENETUNREACH in " + SockAddrPrograms.name(type));
        assertNotEquals(programs.get(Bpf.CGROUP_INET4_BIND), SockAddrPrograms.of(POLICY).get(Bpf.CGROUP_INET4_BIND));
    }

    static Set<Integer> immediates(List<Insn> p) {
        Set<Integer> s = new HashSet<>();
        for (Insn i : p) s.add(i.imm());
        return s;
    }
}
