package org.vserver.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.HostView;
import org.vserver.proc.StatTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "vserver-stat", mixinStandardHelpOptions = true,
        description = "Show the running contexts: tasks, memory, CPU time and uptime of the host (0) and of each guest.")
final class VserverStatCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "one JSON array of contexts by number: ctx, proc, vsz_bytes, rss_bytes, user_ns, sys_ns, uptime_ns, name") boolean json;

    @Option(names = "--confdir", paramLabel = "DIR") Path confdir;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var guests = VserverCommand.guests(Optional.ofNullable(confdir), System.out, System.err);
        var rows = new HostView(guests).statRows();
        out.print(json ? StatTable.json(rows) + "\n" : StatTable.format(rows));
        out.flush();
        return 0;
    }
}
