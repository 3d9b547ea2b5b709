package org.vserver.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.vserver.config.GuestConfig.InterfaceConfig;

/**
 * {@code interfaces/}: one subdirectory per address, taken in name order ({@code 00}, {@code 01},
 * ...). Each has {@code ip} (required), {@code dev}, {@code prefix} or {@code mask}, {@code name},
 * and the flags {@code nodev} (legacy {@code only_ip}) and {@code disabled}. The files {@code dev},
 * {@code prefix} and {@code mask} directly in {@code interfaces/} are the guest-wide defaults.
 */
final class Interfaces {
    private Interfaces() {}

    /** IFNAMSIZ - 1: the kernel's limit on a link name. */
    static final int MAX_DEVICE = 15;

    /** A prefix length, with the line it came from so a family mismatch can name it. */
    private record Prefix(int length, ConfigFiles.Line line) {}

    static List<InterfaceConfig> read(ConfigFiles files) throws ConfigException {
        String defaultDev = device(files.guest("interfaces/dev"));
        Optional<Prefix> defaultPrefix = prefix(files, "interfaces/");
        var out = new ArrayList<InterfaceConfig>();
        for (String id : files.subdirectories("interfaces")) {
            String d = "interfaces/" + id + "/";
            Path dir = files.guestDir().resolve("interfaces").resolve(id);
            ConfigFiles.Content ip = files.guest(d + "ip").orElseThrow(() ->
                    new ConfigException(dir, "interface has no 'ip' file (the address is required)"));
            ConfigFiles.Line ipLine = ip.nonEmptyScalar();
            InetAddress addr = address(ipLine);
            String dev = device(files.guest(d + "dev"));
            Optional<Prefix> prefix = prefix(files, d);
            if (prefix.isEmpty()) prefix = defaultPrefix;
            if (prefix.isPresent() && prefix.get().length() > maxPrefix(addr))
                throw prefix.get().line().error("prefix /" + prefix.get().length() + " is too long for "
                        + ipLine.text() + " (at most " + maxPrefix(addr) + ")");
            String label = null;
            Optional<ConfigFiles.Content> name = files.guest(d + "name");
            if (name.isPresent()) label = label(name.get().nonEmptyScalar());
            out.add(new InterfaceConfig(id, ipLine.text(), dev != null ? dev : defaultDev,
                    prefix.map(Prefix::length).orElse(null), label,
                    files.flag(d + "nodev") || files.flag(d + "only_ip"), files.flag(d + "disabled")));
        }
        return out;
    }

    /** The guest-wide network files of {@code interfaces/} ({@link NetworkConfig}). */
    static NetworkConfig network(ConfigFiles files, List<InterfaceConfig> addresses) throws ConfigException {
        Optional<ConfigFiles.Content> m = files.guest("interfaces/mode");
        NetworkConfig.Mode mode;
        if (m.isPresent()) {
            mode = mode(m.get().nonEmptyScalar());
        } else {
            mode = addresses.stream().anyMatch(a -> !a.disabled()) ? NetworkConfig.Mode.SHARED : NetworkConfig.Mode.NONE;
        }
        InetAddress lback = null, bcast = null;
        Optional<ConfigFiles.Content> lb = files.guest("interfaces/lback");
        if (lb.isPresent()) {
            lback = lback(lb.get().nonEmptyScalar());
        }
        // the guest's own file replaces .defaults' (an empty one lists nothing): a host-wide entry such
        // as the host's resolver need not be copied into every guest
        Optional<ConfigFiles.Content> allow = files.lookup("interfaces/lback.allow");
        List<LoopbackAllow> lbackAllow = allow.isPresent() ? lbackAllow(allow.get()) : List.of();
        Optional<ConfigFiles.Content> bc = files.guest("interfaces/bcast");
        if (bc.isPresent()) {
            bcast = bcast(bc.get().nonEmptyScalar());
        }
        String bridge = NetworkConfig.DEFAULT_BRIDGE;
        Optional<ConfigFiles.Content> br = files.guest("interfaces/bridge");
        if (br.isPresent()) bridge = device(br.get().nonEmptyScalar());
        var gateways = new ArrayList<InetAddress>();
        Optional<ConfigFiles.Content> gw = files.guest("interfaces/gateway");
        if (gw.isPresent()) gateways.addAll(gateways(gw.get()));
        Optional<ConfigFiles.Content> mtu = files.guest("interfaces/mtu");
        return new NetworkConfig(mode, lback, lbackAllow, bcast, bridge, gateways, files.flag("interfaces/nat"),
                mtu.isPresent() ? mtu(mtu.get().nonEmptyScalar()) : null);
    }

    static NetworkConfig.Mode mode(ConfigFiles.Line l) throws ConfigException {
        NetworkConfig.Mode mode = NetworkConfig.Mode.of(l.text());
        if (mode == null) throw l.error("unknown network mode '" + l.text() + "' (expected shared, netns, host or none)");
        return mode;
    }

    static int mtu(ConfigFiles.Line l) throws ConfigException {
        if (!l.text().matches("\\d{2,5}") || Integer.parseInt(l.text()) < 68 || Integer.parseInt(l.text()) > 65535)
            throw l.error("invalid MTU '" + l.text() + "' (68..65535)");
        return Integer.parseInt(l.text());
    }

    static InetAddress lback(ConfigFiles.Line l) throws ConfigException {
        InetAddress a = address(l);
        if (!(a instanceof Inet4Address) || (a.getAddress()[0] & 0xff) != 127)
            throw l.error("lback must be an IPv4 loopback address (127.0.0.0/8), not " + l.text());
        return a;
    }

    /** {@code lback.allow}: one {@code ADDR[/PREFIX][:PORT]} of 127.0.0.0/8 per line; {@code #} comments. */
    static List<LoopbackAllow> lbackAllow(ConfigFiles.Content c) throws ConfigException {
        var out = new ArrayList<LoopbackAllow>();
        for (ConfigFiles.Line l : c.items()) {
            if (out.size() == LoopbackAllow.MAX)
                throw l.error("more than " + LoopbackAllow.MAX + " entries (each is a few instructions of every connect); list a range instead");
            try {
                LoopbackAllow e = LoopbackAllow.parse(l.text());
                if (!out.contains(e)) out.add(e);
            } catch (IllegalArgumentException bad) {
                throw l.error(bad.getMessage());
            }
        }
        return out;
    }

    static InetAddress bcast(ConfigFiles.Line l) throws ConfigException {
        InetAddress a = address(l);
        if (!(a instanceof Inet4Address)) throw l.error("bcast must be an IPv4 address, not " + l.text());
        return a;
    }

    /** {@code gateway}: one address per line, at most one per family. */
    static List<InetAddress> gateways(ConfigFiles.Content c) throws ConfigException {
        var gateways = new ArrayList<InetAddress>();
        for (ConfigFiles.Line l : c.items()) {
            InetAddress g = address(l);
            for (InetAddress other : gateways)
                if (other.getClass() == g.getClass())
                    throw l.error("a second " + (g instanceof Inet4Address ? "IPv4" : "IPv6") + " gateway (one per family)");
            gateways.add(g);
        }
        return gateways;
    }

    /** {@code prefix} if present, else {@code mask} converted. */
    private static Optional<Prefix> prefix(ConfigFiles files, String dir) throws ConfigException {
        Optional<ConfigFiles.Content> p = files.guest(dir + "prefix");
        if (p.isPresent()) {
            ConfigFiles.Line l = p.get().nonEmptyScalar();
            return Optional.of(new Prefix(prefixLength(l), l));
        }
        Optional<ConfigFiles.Content> m = files.guest(dir + "mask");
        if (m.isPresent()) {
            ConfigFiles.Line l = m.get().nonEmptyScalar();
            return Optional.of(new Prefix(maskPrefix(l), l));
        }
        return Optional.empty();
    }

    private static String device(Optional<ConfigFiles.Content> c) throws ConfigException {
        return c.isEmpty() ? null : device(c.get().nonEmptyScalar());
    }

    static int maxPrefix(InetAddress a) { return a instanceof Inet4Address ? 32 : 128; }

    /** An IPv4 or IPv6 literal; never a host name (no DNS lookups while reading configuration). */
    static InetAddress address(ConfigFiles.Line l) throws ConfigException {
        InetAddress a = parseAddress(l.text());
        if (a == null) throw l.error("invalid IP address '" + l.text() + "' (write the prefix in the 'prefix' file)");
        return a;
    }

    /** The address, or null if {@code s} is not an IP literal. */
    static InetAddress parseAddress(String s) {
        // ofLiteral also takes inet_aton's short forms ("10.1" = 10.0.0.1): util-vserver's users
        // write dotted quads, and a short form is far more likely a typo than intended.
        if (s.indexOf(':') < 0 && !s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) return null;
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static int prefixLength(ConfigFiles.Line l) throws ConfigException {
        int p = parsePrefix(l.text());
        if (p < 0) throw l.error("invalid prefix length '" + l.text() + "' (expected 0..128)");
        return p;
    }

    /** 0..128, or -1. */
    static int parsePrefix(String s) {
        if (!s.matches("\\d{1,3}")) return -1;
        int p = Integer.parseInt(s);
        return p <= 128 ? p : -1;
    }

    static int maskPrefix(ConfigFiles.Line l) throws ConfigException {
        int p = parseMask(l.text());
        if (p < 0) throw l.error("invalid netmask '" + l.text() + "' (expected contiguous dotted quad, e.g. 255.255.255.0)");
        return p;
    }

    /** The prefix length of a dotted-quad netmask, or -1 if it is not one or its bits are not contiguous. */
    static int parseMask(String s) {
        if (!s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || !(parseAddress(s) instanceof Inet4Address a)) return -1;
        byte[] b = a.getAddress();
        int bits = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        int prefix = Integer.bitCount(bits);
        // contiguous: the ones are exactly the top `prefix` bits
        int expected = prefix == 0 ? 0 : -1 << (32 - prefix);
        return bits == expected ? prefix : -1;
    }

    static String device(ConfigFiles.Line l) throws ConfigException {
        if (!isDevice(l.text()))
            throw l.error("invalid device name '" + l.text() + "' (1.." + MAX_DEVICE + " characters, no '/', ':' or spaces)");
        return l.text();
    }

    static boolean isDevice(String s) {
        return s.length() <= MAX_DEVICE && s.matches("[^/:\\s]+") && !s.equals(".") && !s.equals("..");
    }

    /** The address label suffix ({@code dev:name}); the kernel limits the whole label to 15 characters. */
    static String label(ConfigFiles.Line l) throws ConfigException {
        if (!l.text().matches("[^\\s/]{1," + MAX_DEVICE + "}"))
            throw l.error("invalid interface name '" + l.text() + "' (up to " + MAX_DEVICE + " characters, no spaces)");
        return l.text();
    }
}
