package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The bytes of the requests, checked against what {@code ip} sends for the same command (captured
 * with strace; only the order of attributes may differ), and the decoding of the kernel's replies.
 */
class NetlinkMessageTest {
    static byte[] hex(String s) { return HexFormat.of().parseHex(s.replace(" ", "")); }

    @Test void anIpv4AddressWithBroadcastAndLabel() throws Exception {
        byte[] m = Rtnetlink.newAddress(1, InetAddress.getByName("127.77.0.1"), 24, "lo:web").toBytes(7);
        assertBytes(
                "3c000000 1400 0506 07000000 00000000"      // 60 bytes, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 7
                + "02 18 00 fe 01000000"                     // AF_INET /24, scope host (127/8), lo
                + "0800 0200 7f4d0001"                       // IFA_LOCAL
                + "0800 0100 7f4d0001"                       // IFA_ADDRESS
                + "0800 0400 7f4d00ff"                       // IFA_BROADCAST
                + "0b00 0300 6c6f3a77656200 00",             // IFA_LABEL "lo:web\0", padded
                m);
    }

    @Test void anIpv6AddressWithoutDad() throws Exception {
        byte[] m = Rtnetlink.newAddress(2, InetAddress.getByName("fd00::1"), 64, null).toBytes(1);
        assertBytes("34000000 1400 0506 01000000 00000000"
                + "0a 40 02 00 02000000"                     // AF_INET6 /64, IFA_F_NODAD, universe
                + "1400 0100 fd000000000000000000000000000001"
                + "0800 0800 02000000",                      // IFA_FLAGS NODAD
                m);
    }

    @Test void aDefaultRouteIsWhatIpSends() throws Exception {
        byte[] m = Rtnetlink.newDefaultRoute(3, InetAddress.getByName("10.1.2.254")).toBytes(9);
        assertBytes("2c000000 1800 0506 09000000 00000000"
                + "02 00 00 00 fe 03 00 01 00000000"         // main table, proto boot, universe, unicast
                + "0800 0500 0a0102fe"                       // RTA_GATEWAY
                + "0800 0400 03000000",                      // RTA_OIF
                m);
    }

    @Test void aVethNestsThePeersIfinfomsgAndAttributes() {
        byte[] m = Rtnetlink.newVeth("v0", "p0", hex("020000000001"), 5).toBytes(1);
        assertBytes("6c000000 1000 0506 01000000 00000000"
                + "00000000 00000000 00000000 00000000"      // ifinfomsg
                + "0700 0300 763000 00"                      // IFLA_IFNAME "v0"
                + "4400 1200"                                // IFLA_LINKINFO, 68 bytes
                + "0900 0100 7665746800 000000"              //   IFLA_INFO_KIND "veth"
                + "3400 0200"                                //   IFLA_INFO_DATA, 52 bytes
                + "3000 0100"                                //     VETH_INFO_PEER, 48 bytes
                + "00000000 00000000 00000000 00000000"      //       its ifinfomsg
                + "0700 0300 703000 00"                      //       IFLA_IFNAME "p0"
                + "0a00 0100 020000000001 0000"              //       IFLA_ADDRESS
                + "0800 1c00 05000000",                      //       IFLA_NET_NS_FD 5
                m);
    }

    @Test void aBroadcastSetsTheHostBits() throws Exception {
        assertArrayEquals(hex("0a0103ff"), Rtnetlink.broadcast(hex("0a010203"), 22));
        assertArrayEquals(hex("0a010203"), Rtnetlink.broadcast(hex("0a010203"), 32));
    }

    @Test void namesTheKernelWouldRefuseAreRefusedFirst() {
        var e = assertThrows(IllegalArgumentException.class, () -> Rtnetlink.newVeth("a-name-of-16-byt", "p0", null, -1));
        assertTrue(e.getMessage().contains("a-name-of-16-byt"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rtnetlink.newAddress(1, InetAddress.getByName("10.0.0.1"), 33, null));
    }

    @Test void aLinkIsDecodedFromItsAttributes() {
        var m = new NetlinkMessage(Rtnetlink.RTM_NEWLINK, NetlinkMessage.NLM_F_MULTI).ifinfomsg(0, 7, 0x1003, 0)
                .attr(Rtnetlink.IFLA_ADDRESS, hex("020000000001")).attr(Rtnetlink.IFLA_IFNAME, "vsv0")
                .attrU32(Rtnetlink.IFLA_MASTER, 4);
        int info = m.begin(Rtnetlink.IFLA_LINKINFO | 0x8000);   // NLA_F_NESTED, as the kernel may set it
        m.attr(Rtnetlink.IFLA_INFO_KIND, "veth").end(info);
        byte[] b = m.toBytes(3);
        var link = Rtnetlink.decodeLink(b, 0, b.length);
        assertEquals(7, link.index());
        assertEquals("vsv0", link.name());
        assertEquals("veth", link.kind());
        assertEquals(4, link.master());
        assertArrayEquals(hex("020000000001"), link.mac());
        assertTrue(link.up());
    }

    @Test void anIpv4AddressIsItsLocalNotItsPeer() throws Exception {
        byte[] b = new NetlinkMessage(Rtnetlink.RTM_NEWADDR, 0).ifaddrmsg(2, 32, 0, 0, 5)
                .attr(Rtnetlink.IFA_ADDRESS, hex("0a000002")).attr(Rtnetlink.IFA_LOCAL, hex("0a000001"))
                .attr(Rtnetlink.IFA_LABEL, "eth0:x").toBytes(1);
        assertEquals(new Rtnetlink.Address(5, InetAddress.getByName("10.0.0.1"), 32, "eth0:x"), Rtnetlink.decodeAddress(b, 0, b.length));
    }

    /** {@code expected} is hex in groups (spaces ignored), so that the fields can be told apart. */
    private static void assertBytes(String expected, byte[] actual) {
        assertEquals(expected.replace(" ", ""), HexFormat.of().formatHex(actual));
    }
}
