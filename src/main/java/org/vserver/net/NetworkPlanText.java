package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;

/** A {@link NetworkPlan} as {@code vserver debug plan NAME network} prints it: what start will do, in {@code ip}'s words. */
public final class NetworkPlanText {
    private NetworkPlanText() {}

    public static String render(NetworkPlan plan) {
        var s = new StringBuilder();
        switch (plan) {
            case NetworkPlan.Host h -> s.append("mode host: the host's network stack, unrestricted\n");
            case NetworkPlan.None n -> s.append("mode none: own network namespace\n  ip link set lo up\n");
            case NetworkPlan.Shared sh -> {
                s.append("mode shared: the host's network stack, sockets held to the guest's addresses (cgroup-bpf)\n");
                for (NetworkPlan.HostAddress a : sh.hostAddresses())
                    s.append("  ip addr add ").append(Addresses.text(a.address())).append('/').append(a.prefix())
                            .append(a.label() != null ? " label " + a.label() : "").append(" dev ").append(a.dev()).append('\n');
                BindPolicy p = sh.policy();
                s.append("  bind 0.0.0.0 -> ").append(p.v4().isEmpty() ? "refused (no IPv4 address)" : Addresses.text(p.v4().getFirst())).append('\n');
                s.append("  bind 127.0.0.1 -> ").append(Addresses.text(p.lback())).append(" (lback)\n");
                if (p.xid() != 0 && p.lback6() != null) {
                    String v6only = !p.v6().isEmpty() ? Addresses.text(p.v6().getFirst()) : Addresses.text(p.lback6()) + " (lback6)";
                    String dual = !p.v4().isEmpty() ? "::ffff:" + Addresses.text(p.v4().getFirst()) : v6only;
                    s.append("  bind :: -> ").append(p.ipv6onlyBit() < 0 ? dual + " (this kernel's IPV6_V6ONLY unknown)"
                            : dual + " (dual-stack), " + v6only + " (IPV6_V6ONLY)").append('\n');
                    s.append("  bind ::1 -> ").append(Addresses.text(p.lback6())).append(" (lback6, added to lo)\n");
                    s.append("  a wildcard TCP listener also answers on: every address above, lback and lback6 (sk_lookup, xid ")
                            .append(p.xid()).append(")\n");
                } else {
                    s.append("  bind :: -> ").append(!p.v6().isEmpty() ? Addresses.text(p.v6().getFirst())
                            : p.v4().isEmpty() ? "refused" : "::ffff:" + Addresses.text(p.v4().getFirst())).append('\n');
                }
                s.append("  may bind: ").append(join(p.v4())).append(p.v6().isEmpty() ? "" : " " + join(p.v6()))
                        .append(' ').append(Addresses.text(p.lback()))
                        .append(p.bcast() != null ? " " + Addresses.text(p.bcast()) : "").append('\n');
                s.append("  ports below 1024: ").append(p.privilegedPorts() ? "allowed on these (CAP_NET_BIND_SERVICE in bcapabilities)"
                        : "need CAP_NET_BIND_SERVICE in the host's user namespace (not in bcapabilities)").append('\n');
                if (p.lback6() != null) s.append("  connect 127.0.0.1 -> ").append(Addresses.text(p.lback())).append(" (lback), ::1 -> ")
                        .append(Addresses.text(p.lback6())).append(" (lback6)\n");
                else s.append("  connect 127.0.0.1, ::1 -> ").append(Addresses.text(p.lback())).append(" (lback)\n");
                s.append("  may reach in 127.0.0.0/8: ").append(Addresses.text(p.lback()));
                for (Inet4Address a : p.v4()) if ((a.getAddress()[0] & 0xff) == 127 && !a.equals(p.lback())) s.append(' ').append(Addresses.text(a));
                for (LoopbackAllow e : p.lbackAllow()) s.append(' ').append(e);
                s.append(p.lbackAllow().isEmpty() ? " (interfaces/lback.allow: none)" : " (with interfaces/lback.allow)")
                        .append("; any other loopback destination: EPERM\n");
            }
            case NetworkPlan.Netns n -> {
                s.append("mode netns: own network namespace on bridge ").append(n.bridge()).append('\n');
                s.append("  ip link add ").append(n.hostLink()).append(" type veth peer name ").append(n.guestLink())
                        .append(" address ").append(mac(n.spoof().mac())).append(" netns GUEST\n");
                s.append("  tcx ingress ").append(n.hostLink()).append(": only source MAC ").append(mac(n.spoof().mac()))
                        .append(", source addresses of the guest, no router advertisements\n");
                s.append("  ip link set ").append(n.hostLink()).append(" mtu ").append(n.mtu() != null ? n.mtu() : "(the bridge's)")
                        .append(" master ").append(n.bridge()).append(" up\n");
                for (NetworkPlan.GuestAddress a : n.addresses())
                    s.append("  (guest) ip addr add ").append(Addresses.text(a.address())).append('/').append(a.prefix())
                            .append(" dev ").append(n.guestLink()).append('\n');
                if (n.gateways().isEmpty()) s.append("  (guest) default route via the bridge's address in each subnet, if it has one\n");
                for (InetAddress g : n.gateways())
                    s.append("  (guest) ip route add default via ").append(Addresses.text(g)).append(" dev ").append(n.guestLink()).append('\n');
                if (n.nat()) s.append("  nft: table ip ").append(n.hostLink()).append(", masquerade ").append(join(n.spoof().v4()))
                        .append(" leaving by any device but ").append(n.bridge()).append('\n');
            }
        }
        return s.toString();
    }

    /** One line for {@code vserver NAME status}. */
    public static String summary(NetworkPlan plan) {
        return switch (plan) {
            case NetworkPlan.Host h -> "host (the host's stack, unrestricted)";
            case NetworkPlan.None n -> "none (loopback only)";
            case NetworkPlan.Shared s -> "shared, " + (s.policy().v4().isEmpty() && s.policy().v6().isEmpty() ? "no address"
                    : join(s.policy().v4()) + (s.policy().v6().isEmpty() ? "" : (s.policy().v4().isEmpty() ? "" : " ") + join(s.policy().v6())))
                    + ", lback " + Addresses.text(s.policy().lback());
            case NetworkPlan.Netns n -> {
                var a = new StringBuilder();
                for (NetworkPlan.GuestAddress g : n.addresses()) a.append(' ').append(Addresses.text(g.address())).append('/').append(g.prefix());
                yield "netns, " + n.guestLink() + a + " on bridge " + n.bridge() + " (host link " + n.hostLink() + ")"
                        + (n.nat() ? ", NAT" : "");
            }
        };
    }

    private static String join(List<? extends InetAddress> l) {
        var s = new StringBuilder();
        for (InetAddress a : l) s.append(s.isEmpty() ? "" : " ").append(Addresses.text(a));
        return s.toString();
    }

    static String mac(byte[] m) {
        return HexFormat.ofDelimiter(":").formatHex(m);
    }
}
