package org.vserver.config;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A loopback destination outside its own {@code lback} that a shared-stack guest (or a
 * {@code chbind} command) may still reach: one line of {@code interfaces/lback.allow}, or one
 * {@code chbind --lback-allow}. The host's stack has one 127.0.0.0/8 for everyone; without a line
 * here a guest reaches only its own loopback address, so the localhost-only services of the host
 * and of the other guests stay theirs.
 * <pre>
 * 127.0.0.53            every port of one address (the host's resolver)
 * 127.0.0.53:53         one port of it
 * 127.10.0.0/16         a range (a prefix of 8..32 bits)
 * 127.10.0.0/16:5432    one port of a range
 * </pre>
 * Only IPv4: IPv6 has one loopback address, {@code ::1}, and it is the guest's own (its
 * {@code lback}); an IPv6 socket reaches a listed address as {@code ::ffff:127.x.y.z}.
 *
 * @param address the first address of the range (host bits zero), in 127.0.0.0/8
 * @param prefix  8..32
 * @param port    1..65535, or 0 for every port
 */
public record LoopbackAllow(Inet4Address address, int prefix, int port) {
    /** Entries per policy: each is a few instructions in three programs, and a jump spans at most 32767. */
    public static final int MAX = 256;

    public LoopbackAllow {
        if ((address.getAddress()[0] & 0xff) != 127) throw new IllegalArgumentException(address.getHostAddress() + " is not in 127.0.0.0/8");
        if (prefix < 8 || prefix > 32) throw new IllegalArgumentException("prefix /" + prefix + " (8..32)");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " (1..65535)");
        if ((bits(address) & ~mask(prefix)) != 0) throw new IllegalArgumentException(address.getHostAddress() + "/" + prefix + " has host bits set");
    }

    /** True if a connection to {@code a} port {@code p} is let through. */
    public boolean covers(Inet4Address a, int p) {
        return (bits(a) & mask(prefix)) == bits(address) && (port == 0 || port == p);
    }

    /** As written in {@code lback.allow}: {@code ADDR[/PREFIX][:PORT]}. */
    @Override
    public String toString() {
        return address.getHostAddress() + (prefix == 32 ? "" : "/" + prefix) + (port == 0 ? "" : ":" + port);
    }

    /**
     * One entry, {@code ADDR[/PREFIX][:PORT]}; the IllegalArgumentException says what is wrong with
     * it, for the caller to prefix with its file and line (or option).
     */
    public static LoopbackAllow parse(String s) {
        String rest = s;
        int port = 0;
        int colon = rest.indexOf(':');
        if (colon >= 0) {
            if (rest.indexOf(':', colon + 1) >= 0 || rest.startsWith("["))
                throw new IllegalArgumentException("'" + s + "' is IPv6: its only loopback address, ::1, is the guest's own (lback6);"
                        + " list IPv4 addresses of 127.0.0.0/8 (an IPv6 socket reaches them as ::ffff:127.x.y.z)");
            String p = rest.substring(colon + 1);
            if (!p.matches("\\d{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535)
                throw new IllegalArgumentException("invalid port '" + p + "' in '" + s + "' (1..65535)");
            port = Integer.parseInt(p);
            rest = rest.substring(0, colon);
        }
        int prefix = 32;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String p = rest.substring(slash + 1);
            if (!p.matches("\\d{1,2}") || Integer.parseInt(p) < 8 || Integer.parseInt(p) > 32)
                throw new IllegalArgumentException("invalid prefix '/" + p + "' in '" + s + "' (8..32)");
            prefix = Integer.parseInt(p);
            rest = rest.substring(0, slash);
        }
        InetAddress a = null;
        if (rest.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {                       // dotted quads only: "127.1" is a typo more likely than meant
            try {
                a = InetAddress.ofLiteral(rest);
            } catch (IllegalArgumentException bad) {
                // said below
            }
        }
        if (!(a instanceof Inet4Address a4))
            throw new IllegalArgumentException("invalid entry '" + s + "' (expected ADDR[/PREFIX][:PORT], e.g. 127.0.0.53:53)");
        if ((a4.getAddress()[0] & 0xff) != 127)
            throw new IllegalArgumentException(rest + " is not a loopback address (127.0.0.0/8): only those are restricted,"
                    + " any other address needs no entry");
        if (prefix == 32 && a4.getAddress()[1] == 0 && a4.getAddress()[2] == 0 && a4.getAddress()[3] == 1)
            throw new IllegalArgumentException("127.0.0.1 always means the guest's own lback (it is rewritten before any entry applies);"
                    + " give the host's service another loopback address, e.g. 127.0.0.2, and list that");
        if ((bits(a4) & ~mask(prefix)) != 0)
            throw new IllegalArgumentException("'" + s + "' has host bits set: write the range as " + network(a4, prefix).getHostAddress() + "/" + prefix);
        return new LoopbackAllow(a4, prefix, port);
    }

    static int bits(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    public static int mask(int prefix) { return prefix == 0 ? 0 : -1 << (32 - prefix); }

    private static Inet4Address network(Inet4Address a, int prefix) {
        int n = bits(a) & mask(prefix);
        return (Inet4Address) InetAddress.ofLiteral(((n >>> 24) & 0xff) + "." + ((n >>> 16) & 0xff) + "." + ((n >>> 8) & 0xff) + "." + (n & 0xff));
    }
}
