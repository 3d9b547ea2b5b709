package org.vserver.config;

import java.net.InetAddress;

/**
 * One {@code build --interface [suffix=][dev:]ip[/prefix|mask]} argument (reference §7.1). It
 * becomes {@code interfaces/NN/}: {@code ip}, {@code dev} (or {@code nodev} when the device is
 * written {@code nodev}), {@code prefix} and {@code name} (the suffix, shown as label {@code dev:suffix}).
 *
 * @param name   the label suffix; null if none
 * @param dev    the host device; null if none (or nodev)
 * @param nodev  true if the device was given as {@code nodev}: bind the guest only, add no address
 * @param ip     the address, as written
 * @param prefix the prefix length; null if none given
 */
public record InterfaceSpec(String name, String dev, boolean nodev, String ip, Integer prefix) {

    /** Checked here too, since ConfigWriter writes any spec it is given. */
    public InterfaceSpec {
        if (ip == null || Interfaces.parseAddress(ip) == null) throw new IllegalArgumentException("invalid IP address '" + ip + "'");
        if (dev != null && !Interfaces.isDevice(dev)) throw new IllegalArgumentException("invalid device name '" + dev + "'");
        if (prefix != null && (prefix < 0 || prefix > Interfaces.maxPrefix(Interfaces.parseAddress(ip))))
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range for " + ip);
        if (name != null && !name.matches("[^\\s/]{1," + Interfaces.MAX_DEVICE + "}"))
            throw new IllegalArgumentException("invalid interface name '" + name + "'");
    }

    /**
     * Parses the {@code --interface} syntax.
     *
     * @throws IllegalArgumentException with a message naming the argument and what is wrong
     */
    public static InterfaceSpec parse(String spec) {
        String rest = spec;
        String name = null;
        int eq = rest.indexOf('=');
        if (eq >= 0) {
            name = rest.substring(0, eq);
            rest = rest.substring(eq + 1);
            if (!name.matches("[^\\s/]{1," + Interfaces.MAX_DEVICE + "}"))
                throw bad(spec, "invalid name suffix '" + name + "'");
        }
        Integer prefix = null;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String p = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
            int len = p.contains(".") ? Interfaces.parseMask(p) : Interfaces.parsePrefix(p);
            if (len < 0) throw bad(spec, "invalid prefix or netmask '" + p + "'");
            prefix = len;
        }
        String dev = null;
        // An IPv6 address has colons too: the whole is an address unless it does not parse as one.
        InetAddress addr = Interfaces.parseAddress(rest);
        if (addr == null) {
            int colon = rest.indexOf(':');
            if (colon < 0) throw bad(spec, "invalid IP address '" + rest + "'");
            dev = rest.substring(0, colon);
            rest = rest.substring(colon + 1);
            if (!Interfaces.isDevice(dev)) throw bad(spec, "invalid device name '" + dev + "'");
            addr = Interfaces.parseAddress(rest);
            if (addr == null) throw bad(spec, "invalid IP address '" + rest + "'");
        }
        if (prefix != null && prefix > Interfaces.maxPrefix(addr))
            throw bad(spec, "prefix /" + prefix + " is too long for " + rest);
        boolean nodev = "nodev".equals(dev);
        return new InterfaceSpec(name, nodev ? null : dev, nodev, rest, prefix);
    }

    /** Fills in {@code --netdev} and {@code --netprefix}/{@code --netmask} where this spec gave none. */
    public InterfaceSpec withDefaults(String defaultDev, Integer defaultPrefix) {
        return new InterfaceSpec(name, dev == null && !nodev ? defaultDev : dev, nodev, ip,
                prefix == null ? defaultPrefix : prefix);
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("--interface '" + spec + "': " + why
                + " (expected [suffix=][dev:]ip[/prefix|mask])");
    }
}
