package org.vserver.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.config.GuestConfig.InterfaceConfig;
import org.vserver.config.NetworkConfig;
import org.vserver.kernel.Capability;

/** A guest's configuration and XID → its {@link NetworkPlan}. Pure: golden tests pin it. */
public final class NetworkPlanner {
    /** The netns guest's device name, as a physical server's first NIC. */
    public static final String GUEST_LINK = "eth0";
    /** Default prefixes of a netns guest's addresses when none is configured: a LAN. */
    static final int NETNS_PREFIX4 = 24, NETNS_PREFIX6 = 64;

    private NetworkPlanner() {}

    /**
     * @param bounding the guest's capability bounding set: shared and netns guests may hold neither
     *                 CAP_NET_ADMIN nor CAP_NET_RAW, which would undo the isolation; a shared guest
     *                 that keeps CAP_NET_BIND_SERVICE may bind ports below 1024 on its addresses
     * @param hostByte one byte that differs between hosts (from /etc/machine-id), in the guests' MACs
     * @throws ConfigException naming the file, for a combination that cannot be isolated
     */
    public static NetworkPlan plan(GuestConfig cfg, int xid, java.util.Set<Capability> bounding, int hostByte)
            throws ConfigException {
        return plan(cfg, xid, bounding, hostByte, -1);
    }

    /**
     * @param ipv6onlyBit where the running kernel keeps a socket's IPV6_V6ONLY
     *                    ({@code VmlinuxBtf#ipv6onlyBit}; -1 unknown): a shared guest's {@code [::]}
     *                    bind then follows it ({@link BindPolicy})
     */
    public static NetworkPlan plan(GuestConfig cfg, int xid, java.util.Set<Capability> bounding, int hostByte, int ipv6onlyBit)
            throws ConfigException {
        NetworkConfig net = cfg.network();
        List<InterfaceConfig> enabled = cfg.interfaces().stream().filter(i -> !i.disabled()).toList();
        switch (net.mode()) {
            case HOST: return new NetworkPlan.Host();
            case NONE: return new NetworkPlan.None();
            default: break;
        }
        for (Capability c : List.of(Capability.NET_ADMIN, Capability.NET_RAW))
            if (bounding.contains(c))
                throw new ConfigException(cfg.cfgdir().resolve("bcapabilities"), "CAP_" + c.name() + " would let guest '"
                        + cfg.name() + "' " + (c == Capability.NET_ADMIN ? "change its addresses and routes" : "forge packets")
                        + ", which its network mode " + net.mode().word() + " forbids; remove it, or set interfaces/mode to host");
        var v4 = new ArrayList<Inet4Address>();
        var v6 = new ArrayList<Inet6Address>();
        for (InterfaceConfig i : enabled) {
            InetAddress a = InetAddress.ofLiteral(i.ip());
            if (a instanceof Inet4Address a4) v4.add(a4);
            else v6.add((Inet6Address) a);
        }
        if (net.mode() == NetworkConfig.Mode.SHARED) {
            var host = new ArrayList<NetworkPlan.HostAddress>();
            for (InterfaceConfig i : enabled) {
                if (i.nodev() || i.dev() == null) continue;                   // util-vserver: no dev, no `ip addr add`
                InetAddress a = InetAddress.ofLiteral(i.ip());
                int prefix = i.prefix() != null ? i.prefix() : (a instanceof Inet4Address ? 32 : 128);
                String label = i.label() != null && a instanceof Inet4Address ? label(cfg, i) : null;
                host.add(new NetworkPlan.HostAddress(i.dev(), a, prefix, label));
            }
            Inet4Address lback = (Inet4Address) (net.lback() != null ? net.lback() : NetworkConfig.defaultLback(xid));
            // The guest's root may bind ports below 1024 iff its bounding set keeps the capability,
            // whether or not it has one in the host's user namespace (BindPolicy#privilegedPorts).
            // the XID keys its listeners for the connection-time steering of its wildcard sockets
            return new NetworkPlan.Shared(host, new BindPolicy(v4, v6, lback, (Inet4Address) net.bcast(), net.lbackAllow(),
                    bounding.contains(Capability.NET_BIND_SERVICE), xid, BindPolicy.lback6Of(lback), ipv6onlyBit));
        }
        var addresses = new ArrayList<NetworkPlan.GuestAddress>();
        for (InterfaceConfig i : enabled) {
            InetAddress a = InetAddress.ofLiteral(i.ip());
            addresses.add(new NetworkPlan.GuestAddress(a, i.prefix() != null ? i.prefix()
                    : a instanceof Inet4Address ? NETNS_PREFIX4 : NETNS_PREFIX6));
        }
        byte[] mac = mac(xid, hostByte);
        return new NetworkPlan.Netns(net.bridge(), hostLink(xid), GUEST_LINK, addresses, net.gateways(), net.nat(),
                new SpoofPolicy(mac, v4, v6), net.mtu());
    }

    /** The host end of a netns guest's veth: {@code vs<XID>}, unique among running guests. */
    public static String hostLink(int xid) { return "vs" + xid; }

    /**
     * A locally administered unicast MAC: 02:56:53 ("VS"), a byte of the host, the XID's two bytes.
     * Stable across restarts (neighbours' caches stay right) and distinct per guest of a host.
     */
    static byte[] mac(int xid, int hostByte) {
        return new byte[] {0x02, 0x56, 0x53, (byte) hostByte, (byte) (xid >> 8), (byte) xid};
    }

    /** The kernel wants an IPv4 label to start with the device name: {@code dev:name}, at most 15 characters. */
    private static String label(GuestConfig cfg, InterfaceConfig i) throws ConfigException {
        String l = i.dev() + ":" + i.label();
        if (l.length() > 15)
            throw new ConfigException(cfg.cfgdir().resolve("interfaces").resolve(i.id()).resolve("name"),
                    "the address label '" + l + "' is longer than the kernel's 15 characters; shorten the name");
        return l;
    }

    /** {@code /etc/machine-id}'s first byte (0 if unreadable): two hosts bridged together rarely share guest MACs. */
    public static int hostByte(Path machineId) {
        try {
            String s = java.nio.file.Files.readString(machineId).strip();
            return s.length() >= 2 ? Integer.parseInt(s.substring(0, 2), 16) : 0;
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
    }
}
