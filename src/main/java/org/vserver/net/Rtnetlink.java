package org.vserver.net;

import static org.vserver.net.NetlinkMessage.NLM_F_ACK;
import static org.vserver.net.NetlinkMessage.NLM_F_CREATE;
import static org.vserver.net.NetlinkMessage.NLM_F_DUMP;
import static org.vserver.net.NetlinkMessage.NLM_F_EXCL;
import static org.vserver.net.NetlinkMessage.NLM_F_REQUEST;
import static org.vserver.net.NetlinkMessage.align;
import static org.vserver.net.NetlinkMessage.string;
import static org.vserver.net.NetlinkMessage.u16;
import static org.vserver.net.NetlinkMessage.u32;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vserver.sys.Syscalls;

/**
 * The host's (or a guest's) links, addresses and routes through rtnetlink (NETLINK_ROUTE): what
 * {@code ip link}, {@code ip addr} and {@code ip route} do, without running them. A socket belongs
 * to the network namespace of the thread that opened it, so one opened inside {@link Netns#inside}
 * configures that namespace. Every request asks for an ACK; a refused one throws a
 * {@link NetlinkException} naming the request, the object and the errno, e.g.
 * {@code RTM_NEWADDR 127.77.0.1/32 dev lo failed: EEXIST (File exists)}. Not thread-safe: one
 * request at a time.
 */
public final class Rtnetlink implements AutoCloseable {

    /**
     * @param index  ifindex
     * @param name   IFLA_IFNAME
     * @param kind   IFLA_INFO_KIND ("veth", "bridge", ...), "" if none (lo, physical devices)
     * @param master the ifindex of the bridge it is a port of, 0 if none
     * @param mac    IFLA_ADDRESS, empty if none
     * @param up     IFF_UP is set
     * @param mtu    IFLA_MTU
     */
    public record Link(int index, String name, String kind, int master, byte[] mac, boolean up, int mtu) {}

    /**
     * One address: {@code label} is IFA_LABEL (IPv4 only: the link's name when none was given;
     * "" for IPv6, which has no labels).
     */
    public record Address(int index, InetAddress address, int prefix, String label) {}

    static final int NETLINK_ROUTE = 0;
    /* include/uapi/linux/rtnetlink.h */
    static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_DELADDR = 21,
            RTM_GETADDR = 22, RTM_NEWROUTE = 24;
    /* include/uapi/linux/if_link.h, veth.h */
    static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
    static final int IFF_UP = 0x1;
    /* include/uapi/linux/if_addr.h */
    static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_FLAGS = 8, IFA_F_NODAD = 0x02;
    /* rtmsg */
    static final int RTA_OIF = 4, RTA_GATEWAY = 5;
    static final int RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_HOST = 254, RTN_UNICAST = 1;
    static final int AF_UNSPEC = 0;
    private static final int ENODEV = 19;
    /** IFNAMSIZ - 1: the kernel refuses longer names (ERANGE), so say it before asking. */
    static final int MAX_NAME = 15;
    /** A dump the kernel marked NLM_F_DUMP_INTR (links changed meanwhile) is asked again, this often. */
    private static final int DUMP_ATTEMPTS = 5;
    /**
     * Enough for any datagram: the kernel sizes dump datagrams by the largest read it has seen,
     * capped just under 32 KiB, and a read shorter than a datagram would silently truncate it.
     */
    private static final int BUFFER = 64 * 1024;

    private final Syscalls sys;
    private final int fd;
    private final byte[] buf = new byte[BUFFER];
    private int seq;
    private boolean closed;

    private Rtnetlink(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    /** A NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static Rtnetlink open(Syscalls sys) throws IOException {
        int fd = sys.socket(Syscalls.AF_NETLINK, Syscalls.SOCK_RAW, NETLINK_ROUTE);
        try {
            // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }: pid 0 lets the kernel pick our port
            byte[] nl = new byte[12];
            nl[0] = (byte) Syscalls.AF_NETLINK;
            sys.bind(fd, nl);
        } catch (IOException e) {
            sys.close(fd);
            throw e;
        }
        return new Rtnetlink(sys, fd);
    }

    public List<Link> links() throws IOException {
        List<Link> out = new ArrayList<>();
        dump(RTM_GETLINK, "RTM_GETLINK dump", out);
        return out;
    }

    /** The link named {@code name}, asked for by name (no dump); empty if there is none. */
    public Optional<Link> link(String name) throws IOException {
        checkName(name);
        List<Link> out = new ArrayList<>(1);
        int errno = transact(new NetlinkMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK)
                .ifinfomsg(AF_UNSPEC, 0, 0, 0).attr(IFLA_IFNAME, name), out);
        if (errno == ENODEV) return Optional.empty();
        if (errno != 0) throw new NetlinkException("RTM_GETLINK " + name, errno);
        return out.isEmpty() ? Optional.empty() : Optional.of(out.getFirst());
    }

    /** {@code ip link add NAME type bridge up}: the new bridge's ifindex. */
    public int addBridge(String name) throws IOException {
        checkName(name);
        // created up in the same request: rtnl_newlink applies ifi_flags/ifi_change to the new device
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                .ifinfomsg(AF_UNSPEC, 0, IFF_UP, IFF_UP).attr(IFLA_IFNAME, name);
        int info = m.begin(IFLA_LINKINFO);
        m.attr(IFLA_INFO_KIND, "bridge").end(info);
        ack(m, "RTM_NEWLINK " + name + " type bridge");
        return indexOf(name);
    }

    /**
     * {@code ip link add NAME type veth peer name PEER address PEERMAC netns FD}: the peer is created
     * directly in the namespace {@code peerNetnsFd} refers to, so its name cannot clash with the
     * host's. Returns the host end's ifindex; both ends are down. {@code peerMac} null: the kernel
     * picks one; {@code peerNetnsFd} negative: the peer stays in this namespace.
     */
    public int addVeth(String name, String peerName, byte[] peerMac, int peerNetnsFd) throws IOException {
        ack(newVeth(name, peerName, peerMac, peerNetnsFd), "RTM_NEWLINK " + name + " type veth peer " + peerName);
        return indexOf(name);
    }

    static NetlinkMessage newVeth(String name, String peerName, byte[] peerMac, int peerNetnsFd) {
        checkName(name);
        checkName(peerName);
        if (peerMac != null && peerMac.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, not " + peerMac.length);
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                .ifinfomsg(AF_UNSPEC, 0, 0, 0).attr(IFLA_IFNAME, name);
        int info = m.begin(IFLA_LINKINFO);
        m.attr(IFLA_INFO_KIND, "veth");
        int data = m.begin(IFLA_INFO_DATA);
        // VETH_INFO_PEER is an ifinfomsg followed by the peer's own IFLA_* attributes (drivers/net/veth.c)
        int peer = m.begin(VETH_INFO_PEER);
        m.ifinfomsg(AF_UNSPEC, 0, 0, 0).attr(IFLA_IFNAME, peerName);
        if (peerMac != null) m.attr(IFLA_ADDRESS, peerMac);
        if (peerNetnsFd >= 0) m.attrU32(IFLA_NET_NS_FD, peerNetnsFd);
        return m.end(peer).end(data).end(info);
    }

    /** {@code ip link set dev INDEX master MASTER} (0: no master). */
    public void setMaster(int index, int master) throws IOException {
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)
                .ifinfomsg(AF_UNSPEC, index, 0, 0).attrU32(IFLA_MASTER, master);
        int errno = transact(m, null);
        if (errno != 0) throw new NetlinkException("RTM_NEWLINK dev " + name(index) + " master " + (master == 0 ? "none" : name(master)), errno);
    }

    /** {@code ip link set dev INDEX mtu MTU}. */
    public void setMtu(int index, int mtu) throws IOException {
        NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)
                .ifinfomsg(AF_UNSPEC, index, 0, 0).attrU32(IFLA_MTU, mtu);
        int errno = transact(m, null);
        if (errno != 0) throw new NetlinkException("RTM_NEWLINK dev " + name(index) + " mtu " + mtu, errno);
    }

    /** {@code ip link set dev INDEX up}. */
    public void setUp(int index) throws IOException {
        int errno = transact(new NetlinkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK).ifinfomsg(AF_UNSPEC, index, IFF_UP, IFF_UP), null);
        if (errno != 0) throw new NetlinkException("RTM_NEWLINK dev " + name(index) + " up", errno);
    }

    /** {@code ip link del dev INDEX}; a veth takes its peer with it. */
    public void deleteLink(int index) throws IOException {
        int errno = transact(new NetlinkMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK).ifinfomsg(AF_UNSPEC, index, 0, 0), null);
        if (errno != 0) throw new NetlinkException("RTM_DELLINK dev " + name(index), errno);
    }

    public List<Address> addresses() throws IOException {
        List<Address> out = new ArrayList<>();
        dump(RTM_GETADDR, "RTM_GETADDR dump", out);
        return out;
    }

    /**
     * {@code ip addr add A/PREFIX [broadcast +] [label LABEL] dev INDEX}: IPv4 gets the broadcast of
     * its prefix (none for /31 and /32), and host scope in 127/8 as ip gives it. A label should
     * start with the device's name ({@code lo:web}): ip insists, tools that list aliases expect it,
     * the kernel keeps any. IPv6 is added with IFA_F_NODAD (the
     * host assigned it, so it is usable at once) and has no label: {@code label} is ignored for it.
     * {@code label} null: none.
     */
    public void addAddress(int index, InetAddress address, int prefix, String label) throws IOException {
        int errno = transact(newAddress(index, address, prefix, label), null);
        if (errno != 0) throw new NetlinkException("RTM_NEWADDR " + describe(address, prefix) + " dev " + name(index), errno);
    }

    static NetlinkMessage newAddress(int index, InetAddress address, int prefix, String label) {
        byte[] a = address.getAddress();
        checkPrefix(a, prefix);
        NetlinkMessage m = new NetlinkMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        if (address instanceof Inet4Address) {
            int scope = (a[0] & 0xff) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
            m.ifaddrmsg(Syscalls.AF_INET, prefix, 0, scope, index).attr(IFA_LOCAL, a).attr(IFA_ADDRESS, a);
            if (prefix < 31) m.attr(IFA_BROADCAST, broadcast(a, prefix));
            if (label != null) m.attr(IFA_LABEL, label);
        } else {
            // IFA_FLAGS carries the flags that do not fit ifa_flags' byte; NODAD fits both
            m.ifaddrmsg(Syscalls.AF_INET6, prefix, IFA_F_NODAD, RT_SCOPE_UNIVERSE, index)
                    .attr(IFA_ADDRESS, a).attrU32(IFA_FLAGS, IFA_F_NODAD);
        }
        return m;
    }

    /** {@code ip addr del A/PREFIX dev INDEX}. */
    public void deleteAddress(int index, InetAddress address, int prefix) throws IOException {
        byte[] a = address.getAddress();
        checkPrefix(a, prefix);
        NetlinkMessage m = new NetlinkMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
        if (address instanceof Inet4Address) m.ifaddrmsg(Syscalls.AF_INET, prefix, 0, 0, index).attr(IFA_LOCAL, a).attr(IFA_ADDRESS, a);
        else m.ifaddrmsg(Syscalls.AF_INET6, prefix, 0, 0, index).attr(IFA_ADDRESS, a);
        int errno = transact(m, null);
        if (errno != 0) throw new NetlinkException("RTM_DELADDR " + describe(address, prefix) + " dev " + name(index), errno);
    }

    /** {@code ip route add default via GATEWAY dev INDEX} (the family is the gateway's). */
    public void addDefaultRoute(int index, InetAddress gateway) throws IOException {
        int errno = transact(newDefaultRoute(index, gateway), null);
        if (errno != 0) throw new NetlinkException("RTM_NEWROUTE default via " + Addresses.text(gateway) + " dev " + name(index), errno);
    }

    static NetlinkMessage newDefaultRoute(int index, InetAddress gateway) {
        int family = gateway instanceof Inet4Address ? Syscalls.AF_INET : Syscalls.AF_INET6;
        return new NetlinkMessage(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                .rtmsg(family, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST)
                .attr(RTA_GATEWAY, gateway.getAddress()).attrU32(RTA_OIF, index);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        sys.close(fd);
    }

    /* ---- the exchange ---- */

    private void ack(NetlinkMessage m, String request) throws IOException {
        int errno = transact(m, null);
        if (errno != 0) throw new NetlinkException(request, errno);
    }

    private int indexOf(String name) throws IOException {
        Optional<Link> l = link(name);
        if (l.isEmpty()) throw new IOException("RTM_GETLINK " + name + ": the link just created is gone (deleted meanwhile?)");
        return l.get().index();
    }

    /** Dumps links or addresses into {@code out}, again if the kernel says the dump was interrupted. */
    private <T> void dump(int type, String request, List<T> out) throws IOException {
        for (int attempt = 1; ; attempt++) {
            NetlinkMessage m = new NetlinkMessage(type, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
            if (type == RTM_GETLINK) m.ifinfomsg(AF_UNSPEC, 0, 0, 0);
            else m.ifaddrmsg(AF_UNSPEC, 0, 0, 0, 0);
            out.clear();
            int errno = transact(m, out);
            if (errno == DUMP_INTERRUPTED && attempt < DUMP_ATTEMPTS) continue;
            if (errno == DUMP_INTERRUPTED) throw new IOException(request + " failed: interrupted by changes " + DUMP_ATTEMPTS + " times; try again");
            if (errno != 0) throw new NetlinkException(request, errno);
            return;
        }
    }

    /** Not an errno: {@link #transact} saw NLM_F_DUMP_INTR. */
    private static final int DUMP_INTERRUPTED = -1;

    /**
     * Sends {@code m} under a new sequence number and reads until its NLMSG_ERROR (the ACK, 0, or
     * the errno) or NLMSG_DONE (the end of a dump). RTM_NEWLINK and RTM_NEWADDR messages on the way
     * are decoded into {@code out}. Messages of other sequence numbers are left over from a request
     * that failed half-way and are skipped.
     */
    @SuppressWarnings("unchecked")
    private <T> int transact(NetlinkMessage m, List<T> out) throws IOException {
        if (closed) throw new IOException("rtnetlink socket is closed");
        int s = ++seq;
        sys.write(fd, m.toBytes(s));
        boolean interrupted = false;
        while (true) {
            int n = sys.read(fd, buf, 0, buf.length);
            if (n <= 0) throw new IOException("read(rtnetlink fd " + fd + ") returned " + n + " while waiting for the kernel's answer");
            for (int off = 0; off + NetlinkMessage.HEADER <= n; ) {
                int len = u32(buf, off);
                if (len < NetlinkMessage.HEADER || off + len > n) throw new IOException("rtnetlink: malformed reply (nlmsg_len " + len + " at " + off + " of " + n + ")");
                int type = u16(buf, off + 4);
                if (u32(buf, off + 8) == s) {
                    if ((u16(buf, off + 6) & NetlinkMessage.NLM_F_DUMP_INTR) != 0) interrupted = true;
                    if (type == NetlinkMessage.NLMSG_ERROR) return -u32(buf, off + 16);
                    if (type == NetlinkMessage.NLMSG_DONE) {
                        int error = len >= 20 ? u32(buf, off + 16) : 0;
                        return error < 0 ? -error : interrupted ? DUMP_INTERRUPTED : 0;
                    }
                    if (out != null && type == RTM_NEWLINK) ((List<Link>) out).add(decodeLink(buf, off, len));
                    else if (out != null && type == RTM_NEWADDR) {
                        Address a = decodeAddress(buf, off, len);
                        if (a != null) ((List<Address>) out).add(a);
                    }
                }
                off += align(len);
            }
        }
    }

    /* ---- replies ---- */

    static Link decodeLink(byte[] b, int off, int len) {
        int ifi = off + NetlinkMessage.HEADER;
        int index = u32(b, ifi + 4);
        boolean up = (u32(b, ifi + 8) & IFF_UP) != 0;
        String name = "", kind = "";
        int master = 0, mtu = 0;
        byte[] mac = new byte[0];
        int end = off + len;
        for (int a = ifi + 16; a + 4 <= end; ) {
            int alen = u16(b, a), type = u16(b, a + 2) & 0x3fff;   // without NLA_F_NESTED / NET_BYTEORDER
            if (alen < 4 || a + alen > end) break;
            switch (type) {
                case IFLA_IFNAME -> name = string(b, a + 4, alen - 4);
                case IFLA_MASTER -> master = u32(b, a + 4);
                case IFLA_MTU -> mtu = u32(b, a + 4);
                case IFLA_ADDRESS -> mac = Arrays.copyOfRange(b, a + 4, a + alen);
                case IFLA_LINKINFO -> kind = kind(b, a + 4, a + alen);
                default -> {}
            }
            a += align(alen);
        }
        return new Link(index, name, kind, master, mac, up, mtu);
    }

    private static String kind(byte[] b, int from, int end) {
        for (int a = from; a + 4 <= end; ) {
            int alen = u16(b, a);
            if (alen < 4 || a + alen > end) break;
            if ((u16(b, a + 2) & 0x3fff) == IFLA_INFO_KIND) return string(b, a + 4, alen - 4);
            a += align(alen);
        }
        return "";
    }

    /** An RTM_NEWADDR message; null for a family other than IPv4 and IPv6. */
    static Address decodeAddress(byte[] b, int off, int len) {
        int ifa = off + NetlinkMessage.HEADER;
        int family = b[ifa] & 0xff, prefix = b[ifa + 1] & 0xff, index = u32(b, ifa + 4);
        int size = family == Syscalls.AF_INET ? 4 : family == Syscalls.AF_INET6 ? 16 : 0;
        if (size == 0) return null;
        byte[] address = null, local = null;
        String label = "";
        int end = off + len;
        for (int a = ifa + 8; a + 4 <= end; ) {
            int alen = u16(b, a), type = u16(b, a + 2);
            if (alen < 4 || a + alen > end) break;
            if (type == IFA_ADDRESS && alen - 4 == size) address = Arrays.copyOfRange(b, a + 4, a + alen);
            else if (type == IFA_LOCAL && alen - 4 == size) local = Arrays.copyOfRange(b, a + 4, a + alen);
            else if (type == IFA_LABEL) label = string(b, a + 4, alen - 4);
            a += align(alen);
        }
        // IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer of a point-to-point link (equal otherwise)
        byte[] mine = family == Syscalls.AF_INET && local != null ? local : address;
        if (mine == null) return null;
        try {
            return new Address(index, InetAddress.getByAddress(mine), prefix, label);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);   // only for a wrong length, excluded above
        }
    }

    /* ---- messages ---- */

    /** The device's name for a message, or {@code ifindex N} when it cannot be told (it is gone). */
    private String name(int index) {
        try {
            for (Link l : links()) if (l.index() == index) return l.name();
        } catch (IOException e) {
            // only the message loses the name
        }
        return "ifindex " + index;
    }

    private static String describe(InetAddress a, int prefix) {
        return Addresses.text(a) + "/" + prefix;
    }

    private static void checkName(String name) {
        int n = name.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > MAX_NAME) throw new IllegalArgumentException("interface name '" + name + "' must have 1 to " + MAX_NAME + " bytes");
    }

    private static void checkPrefix(byte[] a, int prefix) {
        if (prefix < 0 || prefix > a.length * 8) throw new IllegalArgumentException("prefix /" + prefix + " out of range for a " + a.length * 8 + "-bit address");
    }

    static byte[] broadcast(byte[] a, int prefix) {
        byte[] b = a.clone();
        for (int bit = prefix; bit < 32; bit++) b[bit / 8] |= (byte) (0x80 >>> (bit % 8));
        return b;
    }
}
