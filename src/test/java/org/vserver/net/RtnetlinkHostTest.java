package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.RequiresRoot;

/**
 * Rtnetlink against this host's kernel, in throw-away network namespaces only: the host's links,
 * addresses and routes are never touched (checked after each test).
 */
@RequiresRoot("creates network namespaces, links and addresses")
class RtnetlinkHostTest {
    final Syscalls sys = new LinuxSyscalls();
    final List<AutoCloseable> toClose = new ArrayList<>();
    List<String> hostLinks;

    @BeforeEach void onlyAsRoot() throws IOException {
        hostLinks = hostLinkNames();
    }

    @AfterEach void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
        if (hostLinks != null) assertEquals(hostLinks, hostLinkNames(), "the host's links changed");
    }

    List<String> hostLinkNames() throws IOException {
        try (Rtnetlink host = Rtnetlink.open(sys)) {
            List<String> names = new ArrayList<>();
            for (var l : host.links()) names.add(l.name());
            return names;
        }
    }

    <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    @Test void addressesOnLoWithALabel() throws Exception {
        var ns = closing(new ThrowAwayNetns(sys));
        var rt = closing(ns.rtnetlink());
        // the socket configures the namespace it was opened in, whichever thread uses it later
        var links = rt.links();
        assertEquals(1, links.size(), links.toString());
        int lo = rt.link("lo").orElseThrow().index();
        assertFalse(rt.link("lo").get().up());
        rt.setUp(lo);
        assertTrue(rt.link("lo").get().up());
        assertTrue(rt.link("nonesuch0").isEmpty());

        var r = ThreadLocalRandom.current();
        InetAddress v4 = InetAddress.getByName("127.77." + r.nextInt(1, 255) + "." + r.nextInt(1, 255));
        InetAddress v6 = InetAddress.getByName("fd00:77::" + Integer.toHexString(r.nextInt(1, 0xffff)));
        rt.addAddress(lo, v4, 32, "lo:web");
        rt.addAddress(lo, v6, 64, null);
        var added = rt.addresses();
        assertTrue(added.contains(new Rtnetlink.Address(lo, v4, 32, "lo:web")), added.toString());
        assertTrue(added.contains(new Rtnetlink.Address(lo, v6, 64, "")), added.toString());
        assertTrue(added.contains(new Rtnetlink.Address(lo, InetAddress.getByName("127.0.0.1"), 8, "lo")), added.toString());

        var again = assertThrows(NetlinkException.class, () -> rt.addAddress(lo, v4, 32, "lo:web"));
        assertEquals("RTM_NEWADDR " + v4.getHostAddress() + "/32 dev lo failed: EEXIST (File exists)", again.getMessage());
        assertEquals(Errno.EEXIST, again.errno());
        // ip insists that a label starts with the device's name, the kernel does not: it is kept as given
        rt.addAddress(lo, InetAddress.getByName("127.78.0.1"), 32, "web");
        assertTrue(rt.addresses().contains(new Rtnetlink.Address(lo, InetAddress.getByName("127.78.0.1"), 32, "web")));
        rt.deleteAddress(lo, InetAddress.getByName("127.78.0.1"), 32);

        rt.deleteAddress(lo, v4, 32);
        rt.deleteAddress(lo, v6, 64);
        var left = rt.addresses();
        assertEquals(2, left.size(), left.toString());   // 127.0.0.1/8 and ::1
        var gone = assertThrows(NetlinkException.class, () -> rt.deleteAddress(lo, v4, 32));
        assertTrue(gone.getMessage().startsWith("RTM_DELADDR " + v4.getHostAddress() + "/32 dev lo failed: EADDRNOTAVAIL"), gone.getMessage());
    }

    @Test void aBridgeAndAVethWhosePeerIsInAnotherNamespace() throws Exception {
        var host = closing(new ThrowAwayNetns(sys));
        var guest = closing(new ThrowAwayNetns(sys));
        var rt = closing(host.rtnetlink());
        var inGuest = closing(guest.rtnetlink());

        int br = rt.addBridge("vsbr0");
        var bridge = rt.link("vsbr0").orElseThrow();
        assertEquals(br, bridge.index());
        assertEquals("bridge", bridge.kind());
        assertTrue(bridge.up());
        var twice = assertThrows(NetlinkException.class, () -> rt.addBridge("vsbr0"));
        assertEquals("RTM_NEWLINK vsbr0 type bridge failed: EEXIST (File exists)", twice.getMessage());

        byte[] mac = HexFormat.of().parseHex("02564d000001");
        int veth = rt.addVeth("vsv0", "eth0", mac, guest.fd);
        var hostEnd = rt.link("vsv0").orElseThrow();
        assertEquals(veth, hostEnd.index());
        assertEquals("veth", hostEnd.kind());
        assertFalse(hostEnd.up());
        assertTrue(rt.link("eth0").isEmpty(), "the peer was created in the guest's namespace, not here");
        var peer = inGuest.link("eth0").orElseThrow();
        assertEquals("veth", peer.kind());
        assertArrayEquals(mac, peer.mac());
        assertFalse(peer.up());

        rt.setMaster(veth, br);
        rt.setUp(veth);
        hostEnd = rt.link("vsv0").orElseThrow();
        assertEquals(br, hostEnd.master());
        assertTrue(hostEnd.up());

        // the guest's side: address, default route via the host's end of the subnet
        inGuest.setUp(peer.index());
        inGuest.addAddress(peer.index(), InetAddress.getByName("10.77.0.2"), 24, null);
        rt.addAddress(br, InetAddress.getByName("10.77.0.1"), 24, null);
        var outside = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 9);
        assertThrows(IOException.class, () -> connectUdp(guest, outside), "no route yet");
        inGuest.addDefaultRoute(peer.index(), InetAddress.getByName("10.77.0.1"));
        assertEquals(InetAddress.getByName("10.77.0.2"), connectUdp(guest, outside), "the route's source address");
        var routeTwice = assertThrows(NetlinkException.class, () -> inGuest.addDefaultRoute(peer.index(), InetAddress.getByName("10.77.0.1")));
        assertEquals("RTM_NEWROUTE default via 10.77.0.1 dev eth0 failed: EEXIST (File exists)", routeTwice.getMessage());
        var unreachable = assertThrows(NetlinkException.class, () -> rt.addDefaultRoute(veth, InetAddress.getByName("10.99.0.1")));
        assertTrue(unreachable.getMessage().startsWith("RTM_NEWROUTE default via 10.99.0.1 dev vsv0 failed: "), unreachable.getMessage());

        rt.setMaster(veth, 0);
        assertEquals(0, rt.link("vsv0").orElseThrow().master());
        rt.deleteLink(veth);
        assertTrue(rt.link("vsv0").isEmpty());
        assertTrue(inGuest.link("eth0").isEmpty(), "deleting one end takes the peer along");
        var deleted = assertThrows(NetlinkException.class, () -> rt.deleteLink(veth));
        assertEquals("RTM_DELLINK dev ifindex " + veth + " failed: ENODEV (No such device)", deleted.getMessage());
        rt.deleteLink(br);
        assertEquals(List.of("lo"), names(rt.links()));
        assertEquals(List.of("lo"), names(inGuest.links()));
    }

    /** The local address a UDP socket in {@code ns} gets when connected to {@code to}: it needs a route. */
    InetAddress connectUdp(ThrowAwayNetns ns, InetSocketAddress to) throws IOException {
        return ns.inside(() -> {
            try (var ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
                ch.connect(to);
                return ((InetSocketAddress) ch.getLocalAddress()).getAddress();
            }
        });
    }

    static List<String> names(List<Rtnetlink.Link> links) {
        List<String> names = new ArrayList<>();
        for (var l : links) names.add(l.name());
        return names;
    }
}
