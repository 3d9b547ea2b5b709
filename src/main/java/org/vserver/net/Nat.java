package org.vserver.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vserver.sys.ProcFs;

/**
 * Masquerading for a netns guest on private addresses: one nftables table per guest
 * ({@code ip vs<XID>}) with a postrouting NAT chain rewriting the guest's IPv4 sources to the
 * host's address on whatever device the packet leaves by, except the guest's own bridge (guests
 * and the host keep seeing each other's real addresses). A table per guest makes removal one
 * command that cannot touch the admin's rules. Written through {@code nft -f -}: nftables' netlink
 * protocol is versioned expression by expression, and the nft tool is how every host manages it.
 */
public final class Nat {
    private Nat() {}

    /** The nft program; absent, {@link #add} says which package to install. */
    static final String NFT = "nft";

    /** The ruleset {@link #add} loads. */
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

    /**
     * Loads the guest's table, and enables IPv4 forwarding in the caller's namespace (NAT needs it)
     * through {@code proc}, the host's /proc.
     */
    public static void add(ProcFs proc, String table, List<Inet4Address> sources, String bridge) throws IOException {
        if (sources.isEmpty()) return;
        Files.writeString(proc.sysctl("net/ipv4/ip_forward"), "1\n");
        nft(List.of("-f", "-"), ruleset(table, sources, bridge));
    }

    /** Deletes the guest's table; one that is already gone is fine. */
    public static void remove(String table) throws IOException {
        try {
            nft(List.of("list", "table", "ip", table), "");
        } catch (IOException absent) {
            return;
        }
        nft(List.of("delete", "table", "ip", table), "");
    }

    private static void nft(List<String> args, String stdin) throws IOException {
        var cmd = new java.util.ArrayList<String>();
        cmd.add(NFT);
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("interfaces/nat needs the nft program, which this host lacks (apt-get install nftables)");
        }
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0)
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.replace('\n', ' '));
    }
}
