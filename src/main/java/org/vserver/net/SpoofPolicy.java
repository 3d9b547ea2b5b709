package org.vserver.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.List;

/**
 * What a netns guest may send into the bridge: frames from its own MAC only; IPv4 from its own
 * addresses (ARP likewise: sender MAC and IP its own, or 0.0.0.0 for a probe); IPv6 from its own
 * addresses, its link-local address (EUI-64 of {@code mac}) or {@code ::} (duplicate address
 * detection); no router advertisement or redirect; nothing of any other ethertype. Enforced by
 * {@link SpoofFilter} on the host end of its veth.
 *
 * @param mac the guest's MAC (6 bytes)
 * @param v4  its IPv4 addresses
 * @param v6  its IPv6 addresses (the link-local one is derived, not listed)
 */
public record SpoofPolicy(byte[] mac, List<Inet4Address> v4, List<Inet6Address> v6) {
    public SpoofPolicy {
        if (mac.length != 6) throw new IllegalArgumentException("a MAC has 6 bytes, not " + mac.length);
        mac = mac.clone();
        v4 = List.copyOf(v4);
        v6 = List.copyOf(v6);
    }

    @Override
    public byte[] mac() { return mac.clone(); }
}
