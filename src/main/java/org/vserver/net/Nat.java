package org.vserver.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.List;
import org.vserver.fs.SearchPath;

/**
 * Masquerading for a netns guest on private addresses: one nftables table per guest
 * ({@code ip vs<XID>}) with a postrouting NAT chain rewriting the guest's IPv4 sources to the
 * host's address on whatever device the packet leaves by, except the guest's own bridge (guests
 * and the host keep seeing each other's real addresses). A table per guest makes removal one
 * command that cannot touch the admin's rules. Loaded by the launcher's NAT step through
 * {@code nft -f -} (launcher/nat.c): nftables' netlink protocol is versioned expression by
 * expression, and the nft tool is how every host manages it.
 */
public final class Nat {
    private Nat() {}

    /** The ruleset the NAT step loads. */
    static String ruleset(String table, List<Inet4Address> sources, String bridge) {
        var s = new StringBuilder();
        s.append("table ip ").append(table).append(" {\n");
        s.append("  chain postrouting {\n");
        s.append("    type nat hook postrouting priority srcnat; policy accept;\n");
        s.append("    ip saddr { ");
        for (int i = 0; i < sources.size(); i++) s.append(i > 0 ? ", " : "").append(sources.get(i).getHostAddress());
        s.append(" } oifname != \"").append(bridge).append("\" masquerade\n");
        s.append("  }\n}\n");
        return s.toString();
    }

    /** The nft program found in {@code path}, or why there is none. */
    public static Path program(SearchPath path) throws IOException {
        return path.find("nft").orElseThrow(() -> new IOException(
                "interfaces/nat needs the nft program, which this host lacks (apt-get install nftables)"));
    }
}
