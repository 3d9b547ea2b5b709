package org.vserver.net;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.vserver.sys.Syscalls;

/**
 * The host's (or a guest's) links, addresses and routes through rtnetlink (NETLINK_ROUTE): what
 * {@code ip link}, {@code ip addr} and {@code ip route} do, without running them. A socket belongs
 * to the network namespace of the thread that opened it, so one opened inside {@link Netns#inside}
 * configures that namespace. Every request asks for an ACK; a refused one throws an IOException
 * naming the request, the object and the errno, e.g.
 * {@code RTM_NEWADDR 127.77.0.1/32 dev lo failed: EEXIST (File exists)}.
 */
public final class Rtnetlink implements AutoCloseable {

    /**
     * @param index  ifindex
     * @param name   IFLA_IFNAME
     * @param kind   IFLA_INFO_KIND ("veth", "bridge", ...), "" if none (lo, physical devices)
     * @param master the ifindex of the bridge it is a port of, 0 if none
     * @param mac    IFLA_ADDRESS, empty if none
     * @param up     IFF_UP is set
     */
    public record Link(int index, String name, String kind, int master, byte[] mac, boolean up) {}

    /** One address: {@code label} is IFA_LABEL (IPv4 only; the link's name when none was given). */
    public record Address(int index, InetAddress address, int prefix, String label) {}

    private Rtnetlink() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** A NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static Rtnetlink open(Syscalls sys) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public List<Link> links() throws IOException { throw new UnsupportedOperationException(); }

    public Optional<Link> link(String name) throws IOException { throw new UnsupportedOperationException(); }

    /** {@code ip link add NAME type bridge; ip link set NAME up}: the new bridge's ifindex. */
    public int addBridge(String name) throws IOException { throw new UnsupportedOperationException(); }

    /**
     * {@code ip link add NAME type veth peer name PEER address PEERMAC netns FD}: the peer is created
     * directly in the namespace {@code peerNetnsFd} refers to, so its name cannot clash with the
     * host's. Returns the host end's ifindex; both ends are down.
     */
    public int addVeth(String name, String peerName, byte[] peerMac, int peerNetnsFd) throws IOException {
        throw new UnsupportedOperationException();
    }

    /** {@code ip link set dev INDEX master MASTER} (0: no master). */
    public void setMaster(int index, int master) throws IOException { throw new UnsupportedOperationException(); }

    /** {@code ip link set dev INDEX up}. */
    public void setUp(int index) throws IOException { throw new UnsupportedOperationException(); }

    /** {@code ip link del dev INDEX}; a veth takes its peer with it. */
    public void deleteLink(int index) throws IOException { throw new UnsupportedOperationException(); }

    public List<Address> addresses() throws IOException { throw new UnsupportedOperationException(); }

    /**
     * {@code ip addr add A/PREFIX [broadcast +] [label LABEL] dev INDEX}: IPv4 gets the broadcast of
     * its prefix (none for /31 and /32); IPv6 is added with IFA_F_NODAD (the host assigned it, so it
     * is usable at once). {@code label} null: none.
     */
    public void addAddress(int index, InetAddress address, int prefix, String label) throws IOException {
        throw new UnsupportedOperationException();
    }

    /** {@code ip addr del A/PREFIX dev INDEX}. */
    public void deleteAddress(int index, InetAddress address, int prefix) throws IOException {
        throw new UnsupportedOperationException();
    }

    /** {@code ip route add default via GATEWAY dev INDEX} (the family is the gateway's). */
    public void addDefaultRoute(int index, InetAddress gateway) throws IOException { throw new UnsupportedOperationException(); }

    @Override
    public void close() {}
}
