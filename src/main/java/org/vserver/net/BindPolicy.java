package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The addresses a shared-stack guest (or a {@code chbind} command) may use, VServer's network
 * context: the first of each family is the primary, which a wildcard bind and an unbound
 * connection get. The rules ({@link SockAddrPrograms}):
 * <ul>
 *   <li>bind to 0.0.0.0 becomes {@code v4[0]}; to 127.0.0.1 becomes {@code lback}; to an address of
 *       {@code v4}, {@code lback} or {@code bcast} stays; any other fails with EADDRNOTAVAIL;</li>
 *   <li>IPv6: {@code ::} becomes {@code v6[0]}, or {@code ::ffff:v4[0]} for a guest without IPv6;
 *       {@code ::1} becomes {@code ::ffff:lback}; a v4-mapped address follows the IPv4 rules;</li>
 *   <li>connect and unconnected UDP send to 127.0.0.1 (::1) go to {@code lback}; the source of an
 *       unbound socket is bound to the primary address (to {@code lback} for a loopback
 *       destination); a family without addresses gets ENETUNREACH; an explicit foreign UDP source
 *       is refused with EADDRNOTAVAIL;</li>
 *   <li>of 127.0.0.0/8 (also as {@code ::ffff:127.x.y.z}) only {@code lback}, the guest's own
 *       addresses and what {@code lbackAllow} lists can be connected to or sent to; any other
 *       loopback destination (the host's, another guest's {@code lback}) fails with EPERM.</li>
 *   <li>with {@code privilegedPorts}, a bind the rules allow also skips the kernel's
 *       CAP_NET_BIND_SERVICE check for ports below {@code net.ipv4.ip_unprivileged_port_start}.</li>
 *   <li>with {@code lback6}: {@code ::} becomes {@code v6[0]}, or {@code lback6} for a guest without
 *       IPv6; {@code ::1} becomes {@code lback6}, which is an own address; connect and UDP send to
 *       {@code ::1} (or {@code ::}) go to {@code lback6}, from {@code lback6}.</li>
 *   <li>with an {@code xid} (wildcard steering, {@link SteeringMaps}): a wildcard bind (0.0.0.0,
 *       {@code ::}, {@code ::ffff:0.0.0.0}) is rewritten as above and marks the socket; a
 *       TCP listener is then reached on every address of the guest and on its lback (and lback6),
 *       through the host's sk_lookup program ({@link SkLookupProgram}). With {@code ipv6onlyBit}
 *       the IPv6 bind tells a V6ONLY socket from a dual-stack one: {@code ::} of a V6ONLY socket
 *       becomes {@code v6[0]}, or {@code lback6} without IPv6; of a dual-stack one
 *       {@code ::ffff:v4[0]} (a bind of a non-mapped address would make it V6ONLY: the kernel sets
 *       the flag), or {@code v6[0]}, or {@code lback6} for a guest without IPv4, and it is reached
 *       on the guest's addresses of both families. A destination in {@link #LBACK6_NET} that is not
 *       its own lback6 (another guest's) is refused with EPERM, as another guest's lback is.</li>
 * </ul>
 *
 * @param v4    the guest's IPv4 addresses, primary first (may be empty)
 * @param v6    the guest's IPv6 addresses, primary first (may be empty)
 * @param lback the guest's loopback address (127.0.0.0/8), never null
 * @param bcast a broadcast address the guest may bind too; null if none
 * @param lbackAllow the other loopback destinations it may reach ({@code interfaces/lback.allow})
 * @param privilegedPorts whether the guest may bind ports below 1024 on its addresses without
 *              CAP_NET_BIND_SERVICE in the host's user namespace. The shared stack's network
 *              namespace belongs to the init user namespace, where a guest in its own user
 *              namespace holds no capability: without this its web server could not bind port 80.
 *              The planner grants it to a guest whose bounding set keeps CAP_NET_BIND_SERVICE
 *              (the guest's root may bind them, as in VServer); false leaves the decision to the
 *              process's own capabilities, as for a {@code chbind} command. The kernel's flag cannot
 *              tell the guest's root from its other users: any process of the guest may then bind
 *              them on the guest's addresses (as Docker's ip_unprivileged_port_start=0 does).
 * @param xid   the guest's id in the steering maps (positive); 0 for none: the programs are then
 *              exactly those without steering (a {@code chbind} command's)
 * @param lback6 the guest's IPv6 loopback address, a local address of the host (on lo), normally
 *              {@link #lback6Of lback6Of(lback)}; null for none: {@code ::1} is then
 *              {@code ::ffff:lback} as far as the IPv6 hooks can map it
 * @param ipv6onlyBit the bit offset of {@code skc_ipv6only} in the running kernel's
 *              {@code struct sock_common} ({@code org.vserver.bpf.VmlinuxBtf#ipv6onlyBit}); -1 if
 *              unknown: a steered {@code ::} is then {@code v6[0]}, or for a guest without IPv6
 *              {@code lback6} (and without that {@code ::ffff:v4[0]}), whatever the socket's
 *              IPV6_V6ONLY, and a dual-stack listener of a guest with IPv6 takes no IPv4
 */
public record BindPolicy(List<Inet4Address> v4, List<Inet6Address> v6, Inet4Address lback, Inet4Address bcast,
                         List<LoopbackAllow> lbackAllow, boolean privilegedPorts, int xid, Inet6Address lback6,
                         int ipv6onlyBit) {
    /**
     * The network every guest's lback6 lies in, {@code fd7f:7673::/96} ("vs" after fd7f): a unique
     * local prefix (RFC 4193) no site routes, with room for the 32 bits of an IPv4 lback.
     */
    public static final Inet6Address LBACK6_NET = (Inet6Address) InetAddress.ofLiteral("fd7f:7673::");
    public static final int LBACK6_PREFIX = 96;

    public BindPolicy {
        v4 = List.copyOf(v4);
        v6 = List.copyOf(v6);
        lbackAllow = List.copyOf(lbackAllow);
        if (lback == null || (lback.getAddress()[0] & 0xff) != 127) throw new IllegalArgumentException("lback must be in 127.0.0.0/8: " + lback);
        if (xid < 0) throw new IllegalArgumentException("xid must not be negative: " + xid);
        if (lback6 != null && (lback6.isAnyLocalAddress() || lback6.isLoopbackAddress() || lback6.isMulticastAddress()))
            throw new IllegalArgumentException("lback6 must be a unicast address other than ::1: " + lback6);
        if (ipv6onlyBit < -1 || ipv6onlyBit / 8 > Short.MAX_VALUE)       // a load's offset is 16 bits
            throw new IllegalArgumentException("ipv6onlyBit must be -1 or a bit offset: " + ipv6onlyBit);
    }

    /** A policy that does not know the kernel's {@code skc_ipv6only} ({@code ipv6onlyBit} -1). */
    public BindPolicy(List<Inet4Address> v4, List<Inet6Address> v6, Inet4Address lback, Inet4Address bcast,
                      List<LoopbackAllow> lbackAllow, boolean privilegedPorts, int xid, Inet6Address lback6) {
        this(v4, v6, lback, bcast, lbackAllow, privilegedPorts, xid, lback6, -1);
    }

    /** A guest's IPv6 loopback address: {@link #LBACK6_NET} and the four bytes of its IPv4 {@code lback}. */
    public static Inet6Address lback6Of(Inet4Address lback) {
        byte[] a = LBACK6_NET.getAddress();
        System.arraycopy(lback.getAddress(), 0, a, 12, 4);
        try {
            return (Inet6Address) InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether {@code a} lies in {@link #LBACK6_NET}: some guest's lback6. */
    public static boolean inLback6Net(InetAddress a) {
        byte[] b = a.getAddress(), net = LBACK6_NET.getAddress();
        return b.length == 16 && Arrays.equals(b, 0, LBACK6_PREFIX / 8, net, 0, LBACK6_PREFIX / 8);
    }

    /** A policy without steering and without an IPv6 loopback address. */
    public BindPolicy(List<Inet4Address> v4, List<Inet6Address> v6, Inet4Address lback, Inet4Address bcast,
                      List<LoopbackAllow> lbackAllow, boolean privilegedPorts) {
        this(v4, v6, lback, bcast, lbackAllow, privilegedPorts, 0, null);
    }

    /** Whether the programs take part in wildcard steering (mark wildcard binds, register listeners). */
    public boolean steered() { return xid != 0; }

    /** A policy that leaves privileged ports to the process's own capabilities ({@code chbind}'s). */
    public BindPolicy(List<Inet4Address> v4, List<Inet6Address> v6, Inet4Address lback, Inet4Address bcast,
                      List<LoopbackAllow> lbackAllow) {
        this(v4, v6, lback, bcast, lbackAllow, false);
    }

    /** A policy that reaches no loopback address but its own. */
    public BindPolicy(List<Inet4Address> v4, List<Inet6Address> v6, Inet4Address lback, Inet4Address bcast) {
        this(v4, v6, lback, bcast, List.of());
    }
}
