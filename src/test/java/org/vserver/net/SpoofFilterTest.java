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
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
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

    @Test void theLinkLocalAddressIsTheModifiedEui64OfTheMac() {
        assertArrayEquals(addr("fe80::5054:ff:fe12:3456").getAddress(), SpoofFilter.linkLocal(MAC));
        assertArrayEquals(addr("fe80::ff:fe00:1").getAddress(), SpoofFilter.linkLocal(Frames.mac("02:00:00:00:00:01")));
    }
}
