package org.vserver.cli;

import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigRoot;
import org.vserver.guest.GuestStart;
import org.vserver.config.FlatConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vserver NAME config show [--json] | get KEY | set KEY VALUE | unset KEY}: the cfgdir as flat keys. */
@Command(name = "config", description = "Show or change the guest's settings as flat keys (init.style, uts.nodename, ...).")
final class ConfigCommand extends GuestVerb implements Main.OptionsAfterArguments {
    @Parameters(index = "0", paramLabel = "show|get|set|unset") String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY") String key;

    @Parameters(index = "2", arity = "0..1", paramLabel = "VALUE") String value;

    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws Exception {
        var root = ConfigRoot.fromEnvironment(parent.confdir, System.getenv());
        FlatConfig cfg = FlatConfig.open(root, parent.name);
        switch (action) {
            case "show" -> {
                parent.out.print(json ? cfg.showJson() + "\n" : cfg.showText());
                for (var f : ConfigDir.unsupportedUts(cfg.cfgdir()))
                    parent.err.println("vserver: " + f + " is ignored: the mainline kernel virtualizes only the node and domain name");
            }
            case "get" -> {
                var v = cfg.get(need(key, "KEY"));
                if (v.isEmpty()) return 1;
                parent.out.println(v.get());
            }
            case "set" -> {
                cfg.set(need(key, "KEY"), need(value, "VALUE"));
                compileAhead();
            }
            case "unset" -> {
                cfg.unset(need(key, "KEY"));
                compileAhead();
            }
            default -> throw new IllegalArgumentException("config: show, get, set or unset, not '" + action + "'");
        }
        return 0;
    }

    /** The next start runs the new configuration without a JVM (doc/plan-cache.md); one that cannot compile yet, start reports. */
    private void compileAhead() throws Exception {
        new GuestStart(parent.guests(), StatusCommand::template).compileAhead(parent.name);
    }

    private static String need(String s, String what) {
        if (s == null) throw new IllegalArgumentException("config: " + what + " missing");
        return s;
    }
}
