package org.vserver.net;

import static org.vserver.bpf.Insn.add;
import static org.vserver.bpf.Insn.addReg;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.ja;
import static org.vserver.bpf.Insn.jeq;
import static org.vserver.bpf.Insn.jeqReg;
import static org.vserver.bpf.Insn.jgtReg;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.jneReg;
import static org.vserver.bpf.Insn.jset;
import static org.vserver.bpf.Insn.ldImm64;
import static org.vserver.bpf.Insn.ldxb;
import static org.vserver.bpf.Insn.ldxdw;
import static org.vserver.bpf.Insn.ldxh;
import static org.vserver.bpf.Insn.ldxw;
import static org.vserver.bpf.Insn.lsh;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.mov32;
import static org.vserver.bpf.Insn.movReg;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Label;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * {@link SpoofPolicy} as a tc classifier (BPF_PROG_TYPE_SCHED_CLS) attached at tcx ingress of the
 * host end of a guest's veth: every frame the guest sends passes it before the bridge sees it, and
 * a frame the policy does not allow is dropped (TCX_DROP). Attached with BPF_PROG_ATTACH (not a
 * link), so it stays until the device goes, which happens when the guest's namespace does.
 *
 * <p>The program reads the frame by direct packet access (data/data_end of {@code struct
 * __sk_buff}) and checks the bounds before each read, as the verifier demands; a frame too short
 * for the header its ethertype promises is dropped, and so is one whose headers are not in the
 * linear part of the skb (the guest's own stack always puts them there; only a hand-made frame of
 * more than a page from a packet socket could split them). Multi-byte fields are compared in
 * network order: the constants are the policy's bytes read little endian, as the load reads them.
 *
 * <p>Decisions beyond the policy's words: a guest without IPv4 addresses may still send ARP probes
 * (sender 0.0.0.0; harmless, no neighbour learns from them) but no IPv4 at all; a tagged frame
 * (the tag moved into skb->vlan_tci by the veth, or still in the data) is dropped; the ICMPv6 type
 * is found behind up to {@value #IPV6_EXTENSIONS} extension headers (hop-by-hop, routing,
 * destination options, fragment), a longer chain is dropped, a non-first fragment passes (it has
 * no ICMPv6 header, and receivers drop fragmented neighbour discovery, RFC 6980).
 */
public final class SpoofFilter {
    /** bpf_prog_info.name of the program. */
    public static final String NAME = "vserver_spoof";
    private static final String LICENSE = "GPL";

    /** struct __sk_buff (include/uapi/linux/bpf.h): u32 vlan_present @20, u32 data @76, u32 data_end @80. */
    static final int SKB_VLAN_PRESENT = 20, SKB_DATA = 76, SKB_DATA_END = 80;
    static final int ETH_P_IP = 0x0800, ETH_P_ARP = 0x0806, ETH_P_IPV6 = 0x86DD;
    /** IPv6 next header values: the extension headers walked, ICMPv6. */
    static final int HOPOPTS = 0, ROUTING = 43, FRAGMENT = 44, DSTOPTS = 60, ICMPV6 = 58;
    static final int ND_ROUTER_ADVERT = 134, ND_NEIGHBOR_ADVERT = 136, ND_REDIRECT = 137;
    /** A neighbour advertisement's target address: after type, code, checksum and flags (RFC 4861 §4.4). */
    static final int NA_TARGET = 8, NA_LEN = 24;
    /** Extension headers looked through to find ICMPv6; a real stack sends one or two at most. */
    static final int IPV6_EXTENSIONS = 4;

    // Frame offsets: Ethernet source MAC and type; IPv4 source; ARP hardware/protocol description,
    // sender hardware and protocol address; IPv6 next header, source, first byte after the header.
    private static final int ETH_SRC = 6, ETH_TYPE = 12, ETH_LEN = 14;
    private static final int IP4_SRC = ETH_LEN + 12, IP4_MIN = ETH_LEN + 20;
    private static final int ARP_HW = ETH_LEN, ARP_LENS = ETH_LEN + 4, ARP_SHA = ETH_LEN + 8, ARP_SPA = ETH_LEN + 14, ARP_LEN = ETH_LEN + 28;
    private static final int IP6_NEXT = ETH_LEN + 6, IP6_SRC = ETH_LEN + 8, IP6_LEN = ETH_LEN + 40;

    // Registers: R1 the context, R2 data, R3 data_end, R4 a pointer being bounds-checked, R5 the value
    // read, R6-R9 constants and saved values, R0 the verdict. No helper is called, so none is clobbered.
    private static final int CTX = 1, DATA = 2, END = 3, PTR = 4, VAL = 5, R6 = 6, R7 = 7, R8 = 8, RESULT = 0;

    private SpoofFilter() {}

    /** The program's named places: the blocks the ethertype and ICMPv6 checks lead to, and the two verdicts. */
    private record Targets(Label ipv4, Label arp, Label ipv6, Label src6Ok, Label icmp6, Label na, Label pass, Label drop) {
        Targets(Assembler<Insn> a) {
            this(a.label(), a.label(), a.label(), a.label(), a.label(), a.label(), a.label(), a.label());
        }
    }

    /** The program enforcing {@code policy}; the same policy always gives the same instructions. */
    public static List<Insn> of(SpoofPolicy policy) {
        byte[] mac = policy.mac();
        var a = Assembler.extended();
        var to = new Targets(a);
        a.emit(ldxw(VAL, CTX, SKB_VLAN_PRESENT))
                .jump(jne(VAL, 0, 0), to.drop)
                .emit(ldxw(DATA, CTX, SKB_DATA))
                .emit(ldxw(END, CTX, SKB_DATA_END));
        need(a, to, ETH_LEN);
        sameMac(a, to, ETH_SRC, mac);
        a.emit(ldxh(VAL, DATA, ETH_TYPE))
                .jump(jeq(VAL, be16(ETH_P_IP), 0), to.ipv4)
                .jump(jeq(VAL, be16(ETH_P_ARP), 0), to.arp)
                .jump(jeq(VAL, be16(ETH_P_IPV6), 0), to.ipv6)
                .jump(ja(0), to.drop);

        a.bind(to.ipv4);
        need(a, to, IP4_MIN);
        a.emit(ldxw(VAL, DATA, IP4_SRC));
        oneOf4(a, to, policy, false);

        // ARP: only Ethernet/IPv4 ARP has the sender fields where they are read below
        a.bind(to.arp);
        need(a, to, ARP_LEN);
        a.emit(ldxw(VAL, DATA, ARP_HW)).emit(mov32(R6, le32(new byte[] {0, 1, 8, 0}))).jump(jneReg(VAL, R6, 0), to.drop);
        a.emit(ldxh(VAL, DATA, ARP_LENS)).jump(jne(VAL, le16(new byte[] {6, 4}), 0), to.drop);
        sameMac(a, to, ARP_SHA, mac);
        a.emit(ldxw(VAL, DATA, ARP_SPA));
        oneOf4(a, to, policy, true);

        a.bind(to.ipv6);
        need(a, to, IP6_LEN);
        a.emit(ldxdw(R6, DATA, IP6_SRC)).emit(ldxdw(R7, DATA, IP6_SRC + 8));
        List<byte[]> sources = new ArrayList<>();
        policy.v6().forEach(ip -> sources.add(ip.getAddress()));
        sources.add(linkLocal(mac));
        sources.add(new byte[16]);                                       // :: (duplicate address detection)
        oneOf6(a, to, sources, to.src6Ok);

        // walk the extension headers to the upper-layer protocol; R7 = its offset in the frame
        a.bind(to.src6Ok);
        a.emit(ldxb(VAL, DATA, IP6_NEXT)).emit(mov(R7, IP6_LEN));
        for (int i = 0; i <= IPV6_EXTENSIONS; i++) {
            Label ext = a.label();
            a.jump(jeq(VAL, ICMPV6, 0), to.icmp6);
            for (int header : new int[] {HOPOPTS, ROUTING, FRAGMENT, DSTOPTS}) a.jump(jeq(VAL, header, 0), ext);
            a.jump(ja(0), to.pass);                                       // TCP, UDP, no next header, ...
            a.bind(ext);
            if (i == IPV6_EXTENSIONS) break;                             // a longer chain than any stack sends
            a.emit(movReg(PTR, DATA)).emit(addReg(PTR, R7)).emit(movReg(R8, PTR)).emit(add(R8, 8))
                    .jump(jgtReg(R8, END, 0), to.drop);                   // every extension header has 8 bytes at least
            Label length = a.label(), done = a.label();
            a.jump(jne(VAL, FRAGMENT, 0), length)
                    .emit(ldxh(R8, PTR, 2)).jump(jset(R8, le16(new byte[] {(byte) 0xff, (byte) 0xf8}), 0), to.pass)  // offset != 0
                    .emit(mov(R8, 8))                                    // a fragment header is 8 bytes; its second byte is reserved, not a length
                    .jump(ja(0), done);
            a.bind(length).emit(ldxb(R8, PTR, 1)).emit(lsh(R8, 3)).emit(add(R8, 8));    // (hdr_ext_len + 1) * 8
            a.bind(done).emit(ldxb(VAL, PTR, 0)).emit(addReg(R7, R8));
        }
        a.jump(ja(0), to.drop);

        a.bind(to.icmp6);
        a.emit(movReg(PTR, DATA)).emit(addReg(PTR, R7)).emit(movReg(R8, PTR)).emit(add(R8, 1))
                .jump(jgtReg(R8, END, 0), to.drop)
                .emit(ldxb(VAL, PTR, 0))
                .jump(jeq(VAL, ND_ROUTER_ADVERT, 0), to.drop)
                .jump(jeq(VAL, ND_REDIRECT, 0), to.drop)
                .jump(jeq(VAL, ND_NEIGHBOR_ADVERT, 0), to.na)
                .jump(ja(0), to.pass);

        // IPv6's ARP poisoning: an advertisement from the guest's own address naming another's target
        a.bind(to.na);
        a.emit(movReg(R8, PTR)).emit(add(R8, NA_LEN)).jump(jgtReg(R8, END, 0), to.drop);
        a.emit(ldxdw(R6, PTR, NA_TARGET)).emit(ldxdw(R7, PTR, NA_TARGET + 8));
        List<byte[]> targets = new ArrayList<>();
        policy.v6().forEach(ip -> targets.add(ip.getAddress()));
        targets.add(linkLocal(mac));
        oneOf6(a, to, targets, to.pass);

        a.bind(to.pass).emit(mov(RESULT, Bpf.TCX_PASS)).emit(exit());
        a.bind(to.drop).emit(mov(RESULT, Bpf.TCX_DROP)).emit(exit());
        return a.assemble();
    }

    /** Loads the program for {@code policy} and attaches it at tcx ingress of link {@code ifindex} (in the caller's namespace). */
    public static void attach(Syscalls sys, int ifindex, SpoofPolicy policy) throws IOException {
        int prog;
        try {
            prog = sys.bpfProgLoad(Bpf.PROG_TYPE_SCHED_CLS, Insn.encode(of(policy)), LICENSE, NAME, Bpf.TCX_INGRESS);
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage() + ": the anti-spoofing filter for device index " + ifindex
                    + " could not be loaded (not root, or a kernel without CONFIG_NET_CLS_BPF?)");
        }
        try {
            // tcx: the attr's target_fd is the union member target_ifindex; flags 0 appends to the device's list
            sys.bpfProgAttach(ifindex, prog, Bpf.TCX_INGRESS, 0);
        } catch (ErrnoException e) {
            String hint = switch (Errno.name(e.errno())) {
                case "EINVAL" -> "a kernel older than 6.6 has no tcx: upgrade the kernel or give the guest no private network";
                case "ENODEV" -> "the device is gone, or lives in another network namespace than the caller";
                case "EEXIST" -> "this very program is attached there already";
                default -> "not root?";
            };
            throw new IOException("bpf(BPF_PROG_ATTACH tcx ingress, device index " + ifindex + ") failed: "
                    + Errno.name(e.errno()) + ": the guest's anti-spoofing filter is not in place (" + hint + ")");
        } finally {
            sys.close(prog);                                             // the attachment holds its own reference
        }
    }

    /** The IPv6 link-local address a stack derives from {@code mac}: fe80::/64 with the modified EUI-64 (U/L bit flipped, ff:fe inserted). */
    public static byte[] linkLocal(byte[] mac) {
        byte[] a = new byte[16];
        a[0] = (byte) 0xfe;
        a[1] = (byte) 0x80;
        a[8] = (byte) (mac[0] ^ 0x02);
        a[9] = mac[1];
        a[10] = mac[2];
        a[11] = (byte) 0xff;
        a[12] = (byte) 0xfe;
        a[13] = mac[3];
        a[14] = mac[4];
        a[15] = mac[5];
        return a;
    }

    /** Drops a frame shorter than {@code bytes}: R4 = data + bytes, compared with data_end (the form the verifier recognises). */
    private static void need(Assembler<Insn> a, Targets to, int bytes) {
        a.emit(movReg(PTR, DATA)).emit(add(PTR, bytes)).jump(jgtReg(PTR, END, 0), to.drop);
    }

    /** Drops the frame unless the 6 bytes at {@code offset} are {@code mac}. */
    private static void sameMac(Assembler<Insn> a, Targets to, int offset, byte[] mac) {
        a.emit(ldxw(VAL, DATA, offset)).emit(mov32(R6, le32(new byte[] {mac[0], mac[1], mac[2], mac[3]})))
                .jump(jneReg(VAL, R6, 0), to.drop);
        a.emit(ldxh(VAL, DATA, offset + 4)).jump(jne(VAL, le16(new byte[] {mac[4], mac[5]}), 0), to.drop);
    }

    /** Passes the frame if R5 (an IPv4 address as loaded) is one of the policy's (or 0.0.0.0 if {@code orZero}), drops it otherwise. */
    private static void oneOf4(Assembler<Insn> a, Targets to, SpoofPolicy policy, boolean orZero) {
        if (orZero) a.jump(jeq(VAL, 0, 0), to.pass);
        for (InetAddress ip : policy.v4()) a.emit(mov32(R6, le32(ip.getAddress()))).jump(jeqReg(VAL, R6, 0), to.pass);
        a.jump(ja(0), to.drop);
    }

    /** Jumps to {@code match} if R6:R7 (an IPv6 address as two loaded halves) is one of {@code addresses}, else drops the frame. */
    private static void oneOf6(Assembler<Insn> a, Targets to, List<byte[]> addresses, Label match) {
        for (int i = 0; i < addresses.size(); i++) {
            ByteBuffer b = ByteBuffer.wrap(addresses.get(i)).order(ByteOrder.LITTLE_ENDIAN);
            Label next = a.label();
            a.emitAll(ldImm64(R8, b.getLong(0))).jump(jneReg(R6, R8, 0), next);
            a.emitAll(ldImm64(R8, b.getLong(8))).jump(jneReg(R7, R8, 0), next);
            a.jump(ja(0), match);
            a.bind(next);
        }
        a.jump(ja(0), to.drop);
    }

    private static int le32(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(); }

    private static int le16(byte[] b) { return Short.toUnsignedInt(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort()); }

    private static int be16(int v) { return le16(new byte[] {(byte) (v >> 8), (byte) v}); }
}
