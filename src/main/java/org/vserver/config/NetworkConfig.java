package org.vserver.config;

import java.net.InetAddress;
import java.util.Locale;

/**
 * How a guest reaches the network, from the guest-wide files of {@code interfaces/} (the addresses
 * themselves are {@link GuestConfig#interfaces()}):
 * <ul>
 *   <li>{@code mode}: {@code shared}, {@code netns}, {@code host} or {@code none}; without the file,
 *       {@code shared} when the guest has an enabled address, else {@code none};</li>
 *   <li>{@code lback}: the guest's own loopback address (shared mode), default {@link #defaultLback};</li>
 *   <li>{@code lback.allow}: the other loopback destinations a shared guest may reach, one
 *       {@code ADDR[/PREFIX][:PORT]} per line ({@link LoopbackAllow}); the guest's own file, else
 *       {@code .defaults/interfaces/lback.allow}; without either, none;</li>
 *   <li>{@code bcast}: the broadcast address the guest may also bind (shared mode, util-vserver's name);</li>
 *   <li>{@code bridge}: the host bridge of a netns guest's veth, default {@code vnet0};</li>
 *   <li>{@code gateway}: a netns guest's default route (one per family, a file per line);
 *       default: the bridge's address in the guest's subnet;</li>
 *   <li>{@code nat}: a flag: the host masquerades the netns guest's traffic leaving by another device;</li>
 *   <li>{@code mtu}: the MTU of a netns guest's link, 68..65535; default: the bridge's.</li>
 * </ul>
 *
 * @param mode     the network mode
 * @param lback    {@code lback}; null: {@link #defaultLback} of the guest's XID
 * @param lbackAllow {@code lback.allow}
 * @param bcast    {@code bcast}; null if none
 * @param bridge   {@code bridge}
 * @param gateways {@code gateway}: at most one IPv4 and one IPv6 address
 * @param nat      {@code nat}
 * @param mtu      {@code mtu}: of a netns guest's veth (and of a bridge vserver creates); null: the bridge's
 */
public record NetworkConfig(Mode mode, InetAddress lback, java.util.List<LoopbackAllow> lbackAllow, InetAddress bcast, String bridge,
                            java.util.List<InetAddress> gateways, boolean nat, Integer mtu) {

    /** The default bridge of netns guests: NGNET's {@code vnet} device. */
    public static final String DEFAULT_BRIDGE = "vnet0";

    public NetworkConfig {
        gateways = java.util.List.copyOf(gateways);
        lbackAllow = java.util.List.copyOf(lbackAllow);
    }

    /** What a guest without any {@code interfaces/} file gets: loopback only. */
    public static final NetworkConfig NONE = new NetworkConfig(Mode.NONE, null, java.util.List.of(), null, DEFAULT_BRIDGE, java.util.List.of(), false, null);

    public enum Mode {
        /** The host's network stack, each socket held to the guest's addresses by cgroup-bpf (VServer's chbind). */
        SHARED,
        /** The guest's own network namespace, a veth to a host bridge (NGNET). */
        NETNS,
        /** The host's stack unrestricted. */
        HOST,
        /** Its own network namespace with nothing but a loopback device. */
        NONE;

        public String word() { return name().toLowerCase(Locale.ROOT); }

        /** The mode a {@code mode} file names, or null. */
        public static Mode of(String word) {
            for (Mode m : values()) if (m.word().equals(word)) return m;
            return null;
        }
    }

    /**
     * The loopback address a shared-mode guest gets when {@code lback} does not name one:
     * {@code 127.H.L.1} with H.L the XID's two bytes. Distinct per guest and never 127.0.0.1 (XIDs
     * start at 2), so a guest's "localhost" is neither the host's nor another guest's.
     */
    public static InetAddress defaultLback(int xid) {
        byte[] a = {127, (byte) (xid >> 8), (byte) xid, 1};
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
