package org.vserver.net;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Ethernet frames built byte by byte for the spoof filter's tests: only the fields the filter reads are meaningful. */
final class Frames {
    static final byte[] BROADCAST = mac("ff:ff:ff:ff:ff:ff");

    private Frames() {}

    static byte[] mac(String s) { return HexFormat.ofDelimiter(":").parseHex(s); }

    static byte[] ip(String dotted) {
        try {
            return java.net.InetAddress.getByName(dotted).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(dotted, e);
        }
    }

    /** An Ethernet header followed by {@code payload}, padded to the 60-byte minimum. */
    static byte[] ether(byte[] dst, byte[] src, int type, byte[] payload) {
        var b = new ByteArrayOutputStream();
        b.writeBytes(dst);
        b.writeBytes(src);
        b.write(type >> 8);
        b.write(type);
        b.writeBytes(payload);
        while (b.size() < 60) b.write(0);
        return b.toByteArray();
    }

    /** An IPv4 header (no options, protocol UDP) from {@code src} to {@code dst}, then {@code data}. */
    static byte[] ipv4(byte[] src, byte[] dst, byte[] data) {
        var b = new byte[20 + data.length];
        b[0] = 0x45;
        b[2] = (byte) (b.length >> 8);
        b[3] = (byte) b.length;
        b[8] = 64;
        b[9] = 17;
        System.arraycopy(src, 0, b, 12, 4);
        System.arraycopy(dst, 0, b, 16, 4);
        System.arraycopy(data, 0, b, 20, data.length);
        return b;
    }

    /** An Ethernet/IPv4 ARP message (op 1 request, 2 reply). */
    static byte[] arp(int op, byte[] sha, byte[] spa, byte[] tha, byte[] tpa) {
        var b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, 1, 8, 0, 6, 4, 0, (byte) op});
        b.writeBytes(sha);
        b.writeBytes(spa);
        b.writeBytes(tha);
        b.writeBytes(tpa);
        return b.toByteArray();
    }

    /** An IPv6 header with hop limit 255 from {@code src} to {@code dst}, next header {@code next}, then {@code rest}. */
    static byte[] ipv6(byte[] src, byte[] dst, int next, byte[] rest) {
        var b = new byte[40 + rest.length];
        b[0] = 0x60;
        b[4] = (byte) (rest.length >> 8);
        b[5] = (byte) rest.length;
        b[6] = (byte) next;
        b[7] = (byte) 255;
        System.arraycopy(src, 0, b, 8, 16);
        System.arraycopy(dst, 0, b, 24, 16);
        System.arraycopy(rest, 0, b, 40, rest.length);
        return b;
    }

    /** An ICMPv6 message of {@code type} with 20 bytes of body (room for a target address); checksum left 0. */
    static byte[] icmp6(int type) {
        var b = new byte[24];
        b[0] = (byte) type;
        return b;
    }

    /** An 8-byte extension header (hop-by-hop, routing, destination options: length field 0) before {@code rest}. */
    static byte[] ext(int next, byte[] rest) {
        var b = new byte[8 + rest.length];
        b[0] = (byte) next;
        b[2] = 1;                                               // a PadN option, to be well-formed
        System.arraycopy(rest, 0, b, 8, rest.length);
        return b;
    }

    /** A fragment header at fragment offset {@code offset} (in 8-byte units) before {@code rest}. */
    static byte[] fragment(int next, int offset, boolean more, byte[] rest) {
        var b = new byte[8 + rest.length];
        b[0] = (byte) next;
        int v = offset << 3 | (more ? 1 : 0);
        b[2] = (byte) (v >> 8);
        b[3] = (byte) v;
        b[7] = 42;                                              // identification
        System.arraycopy(rest, 0, b, 8, rest.length);
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        var r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
