package org.vserver.net;

import java.net.InetAddress;
import java.util.List;

/**
 * What a guest's network mode means on this host, decided from its configuration before anything
 * is touched ({@link NetworkPlanner}); {@code GuestNetwork} carries it out at start and undoes it.
 */
public sealed interface NetworkPlan {

    /** True if the guest gets a network namespace of its own (CLONE_NEWNET in the start plan). */
    boolean ownNamespace();

    /** The host's stack, unrestricted. */
    record Host() implements NetworkPlan {
        public boolean ownNamespace() { return false; }
    }

    /** A namespace with only its loopback device, brought up. */
    record None() implements NetworkPlan {
        public boolean ownNamespace() { return true; }
    }

    /**
     * The host's stack, every socket held to the guest's addresses ({@link SockAddrPrograms}).
     *
     * @param hostAddresses what start adds to host devices (and stop removes): the addresses with a
     *                      {@code dev} and without {@code nodev}
     * @param policy        the addresses the guest may bind
     */
    record Shared(List<HostAddress> hostAddresses, BindPolicy policy) implements NetworkPlan {
        public Shared {
            hostAddresses = List.copyOf(hostAddresses);
        }

        public boolean ownNamespace() { return false; }
    }

    /**
     * Its own namespace and a veth pair: {@code hostLink} on the host, a port of {@code bridge};
     * {@code guestLink} (MAC {@code spoof.mac()}) in the guest with {@code addresses}.
     *
     * @param gateways the configured default routers; empty: the bridge's own address in each of the guest's subnets
     * @param nat      masquerade the guest's IPv4 traffic that leaves the host by another device
     * @param mtu      of both ends of the veth (and of the bridge if vserver creates it); null: the bridge's
     */
    record Netns(String bridge, String hostLink, String guestLink, List<GuestAddress> addresses,
                 List<InetAddress> gateways, boolean nat, SpoofPolicy spoof, Integer mtu) implements NetworkPlan {
        public Netns {
            addresses = List.copyOf(addresses);
            gateways = List.copyOf(gateways);
        }

        public boolean ownNamespace() { return true; }
    }

    /** An address start adds to a host device: {@code ip addr add ADDRESS/PREFIX [label LABEL] dev DEV}. */
    record HostAddress(String dev, InetAddress address, int prefix, String label) {}

    /** An address of a netns guest's device. */
    record GuestAddress(InetAddress address, int prefix) {}
}
