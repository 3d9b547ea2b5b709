package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;

/** Policy → program, without a kernel: deterministic, every address in it, any number of addresses. */
class SpoofFilterTest {
    static final byte[] MAC = Frames.mac("52:54:00:12:34:56");

    static List<Inet4Address> v4(int n) {
        return IntStream.range(0, n).mapToObj(i -> (Inet4Address) addr("10.1." + i + ".2")).toList();
    }

    static List<Inet6Address> v6(int n) {
        return IntStream.range(0, n).mapToObj(i -> (Inet6Address) addr("2001:db8:" + Integer.toHexString(i + 1) + "::2")).toList();
    }

    static InetAddress addr(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test void theSamePolicyGivesTheSameBytes() {
        var a = new SpoofPolicy(MAC, v4(3), v6(2));
        var b = new SpoofPolicy(MAC.clone(), List.copyOf(v4(3)), List.copyOf(v6(2)));
        assertArrayEquals(Insn.encode(SpoofFilter.of(a)), Insn.encode(SpoofFilter.of(b)));
        assertArrayEquals(Insn.encode(SpoofFilter.of(a)), Insn.encode(SpoofFilter.of(a)));
        assertNotEquals(SpoofFilter.of(a), SpoofFilter.of(new SpoofPolicy(Frames.mac("52:54:00:12:34:57"), v4(3), v6(2))),
                "the MAC is in the program");
    }

    @Test void eachAddressCostsAFixedNumberOfInstructions() {
        int base = SpoofFilter.of(new SpoofPolicy(MAC, v4(0), v6(0))).size();
        for (int n = 0; n <= 8; n++) {
            assertEquals(base + 4 * n, SpoofFilter.of(new SpoofPolicy(MAC, v4(n), v6(0))).size(), n + " IPv4 addresses (IPv4 and ARP: 2 each)");
            assertEquals(base + 14 * n, SpoofFilter.of(new SpoofPolicy(MAC, v4(0), v6(n))).size(),
                    n + " IPv6 addresses (2 x ldImm64 + 3 jumps, as a source and as an advertisement's target)");
        }
    }

    @Test void everyAddressIsComparedAndEveryJumpLandsInTheProgram() {
        var policy = new SpoofPolicy(MAC, v4(5), v6(5));
        List<Insn> p = SpoofFilter.of(policy);
        for (Inet4Address a : policy.v4()) {
            int le = ByteBuffer.wrap(a.getAddress()).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertEquals(2, p.stream().filter(i -> i.code() == (Insn.ALU | Insn.MOV | Insn.K) && i.imm() == le).count(), a + ": IPv4 and ARP");
        }
        for (Inet6Address a : policy.v6()) {
            long hi = ByteBuffer.wrap(a.getAddress()).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertTrue(IntStream.range(0, p.size() - 1).anyMatch(k -> p.get(k).code() == (Insn.LD | Insn.DW | Insn.IMM)
                    && p.get(k).imm() == (int) hi && p.get(k + 1).imm() == (int) (hi >>> 32)), a + " loaded as a constant");
        }
        for (int k = 0; k < p.size(); k++) {
            Insn i = p.get(k);
            if (i.isJump()) assertTrue(k + 1 + i.off() < p.size() && i.off() >= 0, "jump at " + k + " lands outside");
        }
        assertEquals(Insn.exit(), p.getLast());
    }

    static String verdict(SpoofPolicy policy, byte[] frame) { return verdict(policy, frame, false); }

    static String verdict(SpoofPolicy policy, byte[] frame, boolean vlanPresent) {
        long r = SkbContext.run(SpoofFilter.of(policy), frame, vlanPresent);
        return r == Bpf.TCX_PASS ? "pass" : r == Bpf.TCX_DROP ? "drop" : "returned " + r;
    }

    /** A sample of SpoofProgramHostTest's frames, decided without a kernel (that test has the kernel's verdicts on all of them). */
    @Test void theProgramDecidesFramesInTheInterpreterAsInTheKernel() {
        var policy = new SpoofPolicy(MAC, List.of((Inet4Address) addr("10.9.8.2")), List.of((Inet6Address) addr("2001:db8::2")));
        byte[] ll = SpoofFilter.linkLocal(MAC), ra = Frames.icmp6(134), udp = new byte[8];
        var frames = new LinkedHashMap<String, byte[]>();
        frames.put("pass: udp from its address", SpoofProgramHostTest.v4From(MAC, "10.9.8.2"));
        frames.put("drop: udp from a neighbour's address", SpoofProgramHostTest.v4From(MAC, "10.9.8.3"));
        frames.put("drop: udp from its address with a foreign MAC", SpoofProgramHostTest.v4From(SpoofProgramHostTest.OTHER, "10.9.8.2"));
        frames.put("pass: arp from its address", SpoofProgramHostTest.arpFrom(MAC, MAC, "10.9.8.2"));
        frames.put("pass: arp probe", SpoofProgramHostTest.arpFrom(MAC, MAC, "0.0.0.0"));
        frames.put("drop: arp for a neighbour's address", SpoofProgramHostTest.arpFrom(MAC, MAC, "10.9.8.3"));
        frames.put("drop: a truncated ARP message", Arrays.copyOf(SpoofProgramHostTest.arpFrom(MAC, MAC, "10.9.8.2"), 14 + 27));
        frames.put("drop: LLDP", Frames.ether(Frames.mac("01:80:c2:00:00:0e"), MAC, 0x88cc, new byte[20]));
        frames.put("pass: udp from its IPv6 address", SpoofProgramHostTest.v6(Frames.ip("2001:db8::2"), 17, udp));
        frames.put("drop: udp from a neighbour's IPv6 address", SpoofProgramHostTest.v6(Frames.ip("2001:db8::3"), 17, udp));
        frames.put("pass: solicitation from its link-local address", SpoofProgramHostTest.v6(ll, 58, Frames.icmp6(135)));
        frames.put("pass: advertisement for its address", SpoofProgramHostTest.v6(ll, 58, SpoofProgramHostTest.advert(Frames.ip("2001:db8::2"))));
        frames.put("drop: advertisement for a neighbour's address", SpoofProgramHostTest.v6(ll, 58, SpoofProgramHostTest.advert(Frames.ip("2001:db8::3"))));
        frames.put("drop: router advertisement", SpoofProgramHostTest.v6(ll, 58, ra));
        frames.put("drop: RA behind hop-by-hop and destination options", SpoofProgramHostTest.v6(ll, 0, Frames.ext(60, Frames.ext(58, ra))));
        frames.put("pass: a later fragment whose data starts with 134", SpoofProgramHostTest.v6(ll, 44, Frames.fragment(58, 3, false, ra)));
        frames.put("drop: five extension headers", SpoofProgramHostTest.v6(ll, 0,
                Frames.ext(60, Frames.ext(43, Frames.ext(60, Frames.ext(60, Frames.ext(17, udp)))))));
        frames.put("drop: an ICMPv6 header past the frame", Arrays.copyOf(SpoofProgramHostTest.v6(ll, 0, Frames.ext(58, ra)), 14 + 40 + 8));
        for (var e : frames.entrySet()) assertEquals(e.getKey().substring(0, 4), verdict(policy, e.getValue()), e.getKey());
        assertEquals("drop", verdict(policy, SpoofProgramHostTest.v4From(MAC, "10.9.8.2"), true), "a tag the veth took off");
    }

    @Test void theLinkLocalAddressIsTheModifiedEui64OfTheMac() {
        assertArrayEquals(addr("fe80::5054:ff:fe12:3456").getAddress(), SpoofFilter.linkLocal(MAC));
        assertArrayEquals(addr("fe80::ff:fe00:1").getAddress(), SpoofFilter.linkLocal(Frames.mac("02:00:00:00:00:01")));
    }
}
