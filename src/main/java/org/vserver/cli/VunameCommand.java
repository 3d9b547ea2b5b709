package org.vserver.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.config.ConfigDir;
import org.vserver.guest.NamespaceJoin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vuname --xid X [-g] [-t TAG]...} prints {@code TAG=value} lines of a running guest's UTS
 * namespace; {@code vuname --xid X -s -t nodename=H [-t domainname=D]} changes them until the
 * guest stops (uts/ in the configuration names it at the next start). Mainline has one sysname,
 * release, version and machine for all: those tags are reported, not changed.
 */
@Command(name = "vuname", mixinStandardHelpOptions = true,
        description = {"Show or change a running guest's node and domain name.",
                "  vuname --xid GUEST [-g] [-t nodename] [-t domainname]",
                "  vuname --xid GUEST -s -t nodename=NAME [-t domainname=NAME]"})
final class VunameCommand implements Callable<Integer> {
    static final List<String> TAGS = List.of("nodename", "domainname");

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", required = true, paramLabel = "GUEST", description = "guest name or context number")
    String xid;

    @ArgGroup(exclusive = true) Mode mode = new Mode();

    static final class Mode {
        @Option(names = {"-g", "--get"}, description = "print the names (the default)") boolean get;

        @Option(names = {"-s", "--set"}, description = "change the names given with -t TAG=VALUE") boolean set;
    }

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG[=VALUE]", description = "nodename or domainname (with -s: =VALUE)")
    List<String> tags = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        var join = new NamespaceJoin(VserverCommand.guests(Optional.empty(), System.out, System.err));
        if (mode.set) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String t : tags) {
                int eq = t.indexOf('=');
                if (eq < 0) return usage("-s needs -t TAG=VALUE, not '" + t + "'");
                String tag = t.substring(0, eq), value = t.substring(eq + 1);
                if (unsupported(tag))
                    return usage(tag + " cannot be set: the mainline kernel virtualizes only the nodename and domainname");
                if (!TAGS.contains(tag)) return usage("unknown tag '" + tag + "' (expected nodename or domainname)");
                if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64)
                    return usage(tag + " is longer than the kernel's 64 bytes");
                values.put(tag, value);
            }
            if (values.isEmpty()) return usage("-s needs -t nodename=NAME and/or -t domainname=NAME");
            join.setUts(xid, values.get("nodename"), values.get("domainname"));
            return 0;
        }
        List<String> wanted = new ArrayList<>();
        for (String tag : tags.isEmpty() ? TAGS : tags) {
            if (unsupported(tag)) err.println("vuname: note: " + tag + " is not virtualized on mainline: every guest has the host's");
            else if (!TAGS.contains(tag)) return usage("unknown tag '" + tag + "' (expected nodename or domainname)");
            else wanted.add(tag);
        }
        if (wanted.isEmpty()) return 0;
        NamespaceJoin.Uts uts = join.readUts(xid);
        for (String tag : wanted) out.println(tag + "=" + (tag.equals("nodename") ? uts.nodename() : uts.domainname()));
        return 0;
    }

    /** The fields VServer kept per context that mainline does not: the host's own for every guest. */
    static boolean unsupported(String tag) { return ConfigDir.UNSUPPORTED_UTS.contains(tag) || tag.equals("context"); }

    private int usage(String message) {
        spec.commandLine().getErr().println("vuname: " + message + " (see --help)");
        return 2;
    }
}
