package org.vserver.cli;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.Chbind;
import org.vserver.net.BindPolicy;
import org.vserver.config.LoopbackAllow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code chbind --ip ADDR... -- CMD}: CMD on the host, restricted to those addresses (a wrapper
 * that keeps a host daemon off the guests' addresses): its wildcard bind gets the first address,
 * 127.0.0.1 is {@code --lback}, any other address is refused, and its connections leave from the
 * first address. Of 127.0.0.0/8 it reaches only {@code --lback}, its own addresses and what
 * {@code --lback-allow} lists, as a guest does. Addresses are literals: nothing is looked up.
 */
@Command(name = "chbind", mixinStandardHelpOptions = true,
        description = {"Run a command on the host restricted to some IP addresses.",
                "  chbind [--silent] [--secure] --ip ADDR... [--lback A] [--lback-allow E]... [--bcast A] -- CMD...",
                "The first address of each family is the primary: a wildcard bind and",
                "an unbound connection get it; 127.0.0.1 means --lback. Of 127.0.0.0/8",
                "CMD reaches only --lback and what --lback-allow lists (else EPERM)."})
final class ChbindCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--ip", paramLabel = "ADDR[/PREFIX]",
            description = "an address CMD may use (IPv4 or IPv6; the prefix is accepted and ignored), repeatable")
    List<String> ips = new ArrayList<>();

    @Option(names = "--lback", paramLabel = "ADDR", description = "what 127.0.0.1 means for CMD (in 127.0.0.0/8; default 127.0.0.1)")
    String lback = "127.0.0.1";

    @Option(names = "--lback-allow", paramLabel = "ADDR[/PREFIX][:PORT]",
            description = "another loopback destination CMD may reach (in 127.0.0.0/8, e.g. 127.0.0.53:53), repeatable")
    List<String> lbackAllow = new ArrayList<>();

    @Option(names = "--bcast", paramLabel = "ADDR", description = "a broadcast address CMD may bind too")
    String bcast;

    @Option(names = "--nid", paramLabel = "N", description = "accepted for util-vserver's scripts; the cgroup is named after the addresses")
    String nid;

    @Option(names = "--secure", description = "drop CAP_NET_ADMIN and CAP_NET_RAW from CMD's capabilities")
    boolean secure;

    @Option(names = "--silent", description = "do not say which network context was made") boolean silent;

    @Parameters(arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        BindPolicy policy;
        try {
            policy = policy(ips, lback, bcast, lbackAllow);
        } catch (IllegalArgumentException e) {
            err.println("chbind: " + e.getMessage() + " (see --help)");
            return 2;
        }
        var vs = VserverCommand.guests(Optional.empty(), System.out, System.err).vserver();
        // stderr: stdout belongs to CMD
        return new Chbind(vs).run(policy, argv, secure, name -> {
            if (!silent) {
                err.println("New network context is " + name);
                err.flush();
            }
        });
    }

    /** The policy of the command line; IllegalArgumentException names the bad argument. */
    static BindPolicy policy(List<String> ips, String lback, String bcast, List<String> lbackAllow) {
        List<Inet4Address> v4 = new ArrayList<>();
        List<Inet6Address> v6 = new ArrayList<>();
        for (String ip : ips) {
            int slash = ip.indexOf('/');
            InetAddress a = literal("--ip", slash < 0 ? ip : ip.substring(0, slash));
            if (slash >= 0) {
                String prefix = ip.substring(slash + 1);
                int max = a instanceof Inet4Address ? 32 : 128;
                if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > max)
                    throw new IllegalArgumentException("--ip " + ip + ": the prefix must be 0.." + max);
            }
            if (a instanceof Inet4Address a4) {
                if (!v4.contains(a4)) v4.add(a4);
            } else if (!v6.contains((Inet6Address) a)) {
                v6.add((Inet6Address) a);
            }
        }
        Inet4Address lb = ipv4("--lback", lback);
        if ((lb.getAddress()[0] & 0xff) != 127) throw new IllegalArgumentException("--lback " + lback + " is not in 127.0.0.0/8");
        List<LoopbackAllow> allow = new ArrayList<>();
        for (String e : lbackAllow) {
            LoopbackAllow a;
            try {
                a = LoopbackAllow.parse(e);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("--lback-allow " + e + ": " + bad.getMessage());
            }
            if (!allow.contains(a)) allow.add(a);
            if (allow.size() > LoopbackAllow.MAX) throw new IllegalArgumentException("--lback-allow: more than " + LoopbackAllow.MAX + " entries");
        }
        return new BindPolicy(v4, v6, lb, bcast == null ? null : ipv4("--bcast", bcast), allow);
    }

    private static Inet4Address ipv4(String option, String s) {
        if (literal(option, s) instanceof Inet4Address a) return a;
        throw new IllegalArgumentException(option + " " + s + " is not an IPv4 address");
    }

    /** A literal address, never a name lookup; IPv4 only as a dotted quad (no "127.1"). */
    private static InetAddress literal(String option, String s) {
        boolean quad = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (quad || s.contains(":")) {
            try {
                return InetAddress.ofLiteral(s);
            } catch (IllegalArgumentException bad) {
                // said below
            }
        }
        throw new IllegalArgumentException(option + " " + s + " is not an IPv4 or IPv6 address");
    }
}
