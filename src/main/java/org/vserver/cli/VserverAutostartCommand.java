package org.vserver.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.Autostart;
import org.vserver.guest.StartOrder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vserver-autostart [--mark MARK] start|stop|order}: util-vserver's marked guests at the
 * host's boot and shutdown (the {@code vservers-default.service} unit runs it).
 */
@Command(name = "vserver-autostart", mixinStandardHelpOptions = true, version = "vserver 0.1",
        description = {"Start the guests whose apps/init/mark is MARK, in the order apps/init/depends gives (independent ones"
                + " in parallel), or stop them in the reverse order; `order` prints the waves without doing anything.",
                "Exit 0 if every guest did, 1 otherwise (each failure is said)."})
final class VserverAutostartCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--mark", paramLabel = "MARK", description = "the mark (default: default)") String mark = "default";

    @Option(names = "--confdir", paramLabel = "DIR", description = "the configuration root (default /etc/vservers)") Path confdir;

    @Parameters(index = "0", paramLabel = "start|stop|order") String action;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        var guests = VserverCommand.guests(Optional.ofNullable(confdir), System.out, System.err);
        var auto = new Autostart(guests, StatusCommand::template);
        List<Autostart.Outcome> outcomes;
        try {
            switch (action) {
                case "order" -> {
                    var waves = auto.order(mark).waves();
                    for (int i = 0; i < waves.size(); i++) out.println((i + 1) + ": " + String.join(" ", waves.get(i)));
                    return 0;
                }
                case "start" -> outcomes = auto.start(mark);
                case "stop" -> outcomes = auto.stop(mark);
                default -> {
                    err.println("vserver-autostart: start, stop or order, not '" + action + "'");
                    return 2;
                }
            }
        } catch (StartOrder.Unorderable e) {
            err.println("vserver-autostart: " + e.getMessage() + "; nothing was " + (action.equals("stop") ? "stopped" : "started"));
            return 1;
        }
        boolean ok = true;
        for (var o : outcomes) {
            (o.ok() ? out : err).println("vserver-autostart: " + o.guest() + ": " + o.message());
            ok &= o.ok();
        }
        if (outcomes.isEmpty()) out.println("vserver-autostart: no guest has the mark '" + mark + "' (apps/init/mark)");
        return ok ? 0 : 1;
    }
}
