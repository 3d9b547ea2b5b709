package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vserver.net.Frames.BROADCAST;
import static org.vserver.net.Frames.arp;
import static org.vserver.net.Frames.concat;
import static org.vserver.net.Frames.ether;
import static org.vserver.net.Frames.ext;
import static org.vserver.net.Frames.fragment;
import static org.vserver.net.Frames.icmp6;
import static org.vserver.net.Frames.ip;
import static org.vserver.net.Frames.ipv4;
import static org.vserver.net.Frames.ipv6;
import static org.vserver.net.Frames.mac;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.sys.ErrnoException;

/**
 * The spoof filter as this host's verifier accepts it and its kernel runs it (BPF_PROG_TEST_RUN on
 * hand-made frames, no device): every rule of {@link SpoofPolicy} with a frame it allows and one it
 * does not, including the frames a real stack cannot easily be made to send. (A truncated IPv4 or
 * IPv6 header cannot be tried here: the test run refuses such a frame itself, EINVAL.)
 */
@RequiresKernel(Feature.TCX)
class SpoofProgramHostTest {
    static final byte[] M = mac("52:54:00:12:34:56"), OTHER = mac("52:54:00:65:43:21"), ROUTER = mac("02:00:00:00:00:01");
    static final byte[] LL = SpoofFilter.linkLocal(M), ANY6 = new byte[16], ALL_NODES = ip("ff02::1"), ALL_ROUTERS = ip("ff02::2");
    static final byte[] UDP = "hello".getBytes();
    final LinuxSyscalls sys = new LinuxSyscalls();
    int prog = -1;

    static SpoofPolicy policy(List<String> v4, List<String> v6) throws IOException {
        return new SpoofPolicy(M, v4.stream().map(a -> (Inet4Address) addr(a)).toList(), v6.stream().map(a -> (Inet6Address) addr(a)).toList());
    }

    static InetAddress addr(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (IOException e) {
            throw new IllegalArgumentException(a, e);
        }
    }

    @AfterEach void close() {
        if (prog >= 0) sys.close(prog);
    }

    /** The verdict of the policy's program for each frame, as "pass"/"drop". */
    void expect(SpoofPolicy policy, Map<String, byte[]> frames, Map<String, String> verdicts) throws IOException {
        if (prog >= 0) sys.close(prog);
        prog = sys.bpfProgLoad(Bpf.PROG_TYPE_SCHED_CLS, Insn.encode(SpoofFilter.of(policy)), "GPL", SpoofFilter.NAME, Bpf.TCX_INGRESS);
        for (var e : frames.entrySet()) {
            int r;
            try {
                r = sys.bpfProgTestRun(prog, e.getValue());
            } catch (ErrnoException x) {
                throw new AssertionError(e.getKey() + " (" + e.getValue().length + " bytes): " + x.getMessage());
            }
            String got = r == Bpf.TCX_PASS ? "pass" : r == Bpf.TCX_DROP ? "drop" : "returned " + r;
            assertEquals(verdicts.get(e.getKey()), got, e.getKey());
        }
    }

    static byte[] v4From(byte[] src, String from) { return ether(BROADCAST, src, 0x0800, ipv4(ip(from), ip("10.9.8.1"), UDP)); }

    static byte[] arpFrom(byte[] ethSrc, byte[] sha, String spa) {
        return ether(BROADCAST, ethSrc, 0x0806, arp(1, sha, ip(spa), new byte[6], ip("10.9.8.1")));
    }

    static byte[] v6(byte[] src, int next, byte[] rest) { return ether(mac("33:33:00:00:00:01"), M, 0x86DD, ipv6(src, ALL_NODES, next, rest)); }

    @Test void ipv4AndArpFromTheGuestsAddressesOnly() throws IOException {
        var frames = new java.util.LinkedHashMap<String, byte[]>();
        var verdicts = new java.util.HashMap<String, String>();
        frames.put("udp from its first address", v4From(M, "10.9.8.2"));
        frames.put("udp from its second address", v4From(M, "192.0.2.7"));
        frames.put("udp from a neighbour's address", v4From(M, "10.9.8.3"));
        frames.put("udp from 0.0.0.0 (DHCP)", v4From(M, "0.0.0.0"));
        frames.put("udp from its address with a foreign MAC", v4From(OTHER, "10.9.8.2"));
        frames.put("arp from its address", arpFrom(M, M, "10.9.8.2"));
        frames.put("arp probe", arpFrom(M, M, "0.0.0.0"));
        frames.put("arp for a neighbour's address", arpFrom(M, M, "10.9.8.3"));
        frames.put("arp with a foreign sender MAC", arpFrom(M, OTHER, "10.9.8.2"));
        frames.put("arp in a foreign frame", arpFrom(OTHER, M, "10.9.8.2"));
        byte[] v6arp = arpFrom(M, M, "10.9.8.2");
        v6arp[16] = (byte) 0x86;                                              // protocol type 0x86dd: sender fields elsewhere
        frames.put("arp for another protocol", v6arp);
        frames.put("a truncated ARP message", Arrays.copyOf(arpFrom(M, M, "10.9.8.2"), 14 + 27));
        frames.put("an 802.1Q tagged frame", ether(BROADCAST, M, 0x8100, concat(new byte[] {0, 5, 8, 0}, ipv4(ip("10.9.8.2"), ip("10.9.8.1"), UDP))));
        frames.put("LLDP", ether(mac("01:80:c2:00:00:0e"), M, 0x88cc, new byte[20]));
        for (String k : frames.keySet()) verdicts.put(k, "drop");
        for (String k : List.of("udp from its first address", "udp from its second address", "arp from its address", "arp probe"))
            verdicts.put(k, "pass");
        expect(policy(List.of("10.9.8.2", "192.0.2.7"), List.of()), frames, verdicts);
    }

    @Test void withoutIpv4AddressesOnlyArpProbesPass() throws IOException {
        expect(policy(List.of(), List.of("2001:db8::2")),
                Map.of("udp", v4From(M, "10.9.8.2"), "udp from 0.0.0.0", v4From(M, "0.0.0.0"),
                        "arp", arpFrom(M, M, "10.9.8.2"), "arp probe", arpFrom(M, M, "0.0.0.0"),
                        "ipv6", v6(ip("2001:db8::2"), 17, new byte[8])),
                Map.of("udp", "drop", "udp from 0.0.0.0", "drop", "arp", "drop", "arp probe", "pass", "ipv6", "pass"));
    }

    @Test void ipv6FromItsAddressesItsLinkLocalAndTheUnspecifiedOnly() throws IOException {
        byte[] ns = icmp6(135);
        expect(policy(List.of("10.9.8.2"), List.of("2001:db8::2", "fd00:1::77")),
                Map.of("udp from its first address", v6(ip("2001:db8::2"), 17, new byte[8]),
                        "udp from its second address", v6(ip("fd00:1::77"), 17, new byte[8]),
                        "udp from a neighbour", v6(ip("2001:db8::3"), 17, new byte[8]),
                        "solicitation from its link-local address", v6(LL, 58, ns),
                        "duplicate address detection from ::", v6(ANY6, 58, ns),
                        "solicitation from another link-local address", v6(SpoofFilter.linkLocal(OTHER), 58, ns),
                        "its link-local address in a foreign frame",
                        ether(mac("33:33:00:00:00:01"), OTHER, 0x86DD, ipv6(LL, ALL_NODES, 58, ns))),
                Map.of("udp from its first address", "pass", "udp from its second address", "pass", "udp from a neighbour", "drop",
                        "solicitation from its link-local address", "pass", "duplicate address detection from ::", "pass",
                        "solicitation from another link-local address", "drop", "its link-local address in a foreign frame", "drop"));
    }

    /** A neighbour advertisement for {@code target}. */
    static byte[] advert(byte[] target) {
        byte[] na = icmp6(136);
        System.arraycopy(target, 0, na, 8, 16);
        return na;
    }

    @Test void neighbourAdvertisementsOnlyForItsOwnAddresses() throws IOException {
        expect(policy(List.of(), List.of("2001:db8::2")),
                Map.of("for its address", v6(LL, 58, advert(ip("2001:db8::2"))),
                        "for its link-local address", v6(LL, 58, advert(LL)),
                        "for a neighbour's address", v6(LL, 58, advert(ip("2001:db8::3"))),
                        "for the router's link-local address", v6(LL, 58, advert(SpoofFilter.linkLocal(ROUTER))),
                        "truncated before the target", v6(LL, 58, java.util.Arrays.copyOf(advert(ip("2001:db8::2")), 12))),
                Map.of("for its address", "pass", "for its link-local address", "pass", "for a neighbour's address", "drop",
                        "for the router's link-local address", "drop", "truncated before the target", "drop"));
    }

    @Test void noRouterAdvertisementOrRedirectBehindAnyExtensionHeaders() throws IOException {
        byte[] ra = icmp6(134), redirect = icmp6(137), rs = icmp6(133);
        var frames = new java.util.LinkedHashMap<String, byte[]>();
        frames.put("router advertisement", v6(LL, 58, ra));
        frames.put("redirect", v6(LL, 58, redirect));
        frames.put("router solicitation", v6(LL, 58, rs));
        frames.put("echo request", v6(LL, 58, icmp6(128)));
        frames.put("RA behind hop-by-hop", v6(LL, 0, ext(58, ra)));
        frames.put("MLD report behind hop-by-hop", v6(ANY6, 0, ext(58, icmp6(143))));
        frames.put("RA behind a longer hop-by-hop header", v6(LL, 0, longExt(58, ra)));
        frames.put("RA behind hop-by-hop and destination options", v6(LL, 0, ext(60, ext(58, ra))));
        frames.put("RA in a first fragment", v6(LL, 44, fragment(58, 0, true, ra)));
        frames.put("RA in an atomic fragment", v6(LL, 44, fragment(58, 0, false, ra)));
        frames.put("a later fragment whose data starts with 134", v6(LL, 44, fragment(58, 3, false, ra)));
        frames.put("udp behind four extension headers", v6(LL, 0, ext(60, ext(43, ext(60, ext(17, new byte[8]))))));
        frames.put("five extension headers", v6(LL, 0, ext(60, ext(43, ext(60, ext(60, ext(17, new byte[8])))))));
        frames.put("an ICMPv6 header past the frame", Arrays.copyOf(v6(LL, 0, ext(58, ra)), 14 + 40 + 8));
        var verdicts = new java.util.HashMap<String, String>();
        for (String k : frames.keySet()) verdicts.put(k, k.contains("RA") || k.startsWith("redirect") || k.startsWith("five")
                || k.contains("past the frame") || k.startsWith("router advertisement") ? "drop" : "pass");
        expect(policy(List.of("10.9.8.2"), List.of()), frames, verdicts);
    }

    @Test void theVerifierAcceptsNoAddressesAndMany() throws IOException {
        for (int n : new int[] {0, 1, 40}) {
            var many = new SpoofPolicy(M, SpoofFilterTest.v4(n), SpoofFilterTest.v6(n));
            byte[] last4 = n == 0 ? ip("10.9.8.2") : SpoofFilterTest.v4(n).getLast().getAddress();
            byte[] last6 = n == 0 ? ip("2001:db8::2") : SpoofFilterTest.v6(n).getLast().getAddress();
            expect(many, Map.of("udp from the last v4", v4From(M, InetAddress.getByAddress(last4).getHostAddress()),
                            "udp from the last v6", v6(last6, 17, new byte[8]), "link-local", v6(LL, 58, icmp6(135))),
                    Map.of("udp from the last v4", n == 0 ? "drop" : "pass", "udp from the last v6", n == 0 ? "drop" : "pass",
                            "link-local", "pass"));
        }
    }

    /** A hop-by-hop header of 16 bytes (hdr_ext_len 1). */
    static byte[] longExt(int next, byte[] rest) {
        byte[] b = new byte[16 + rest.length];
        b[0] = (byte) next;
        b[1] = 1;
        b[2] = 1;
        b[3] = 12;
        System.arraycopy(rest, 0, b, 16, rest.length);
        return b;
    }
}
