package org.vserver.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.HostView;
import org.vserver.proc.StatTable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vserver.guest.GuestDisk;
import org.vserver.guest.Guests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "vserver-stat", mixinStandardHelpOptions = true,
        description = "Show the running contexts: tasks, memory, CPU time and uptime of the host (0) and of each guest.")
final class VserverStatCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "one JSON array of contexts by number: ctx, proc, vsz_bytes, rss_bytes, user_ns, sys_ns, uptime_ns, name") boolean json;

    @Option(names = "--confdir", paramLabel = "DIR") Path confdir;

    /**
     * A guest's disk: backend, used and limit. Figures only where they are cheap (a limited guest's
     * backend, a layered guest's private layer); a plain guest's whole tree is counted only by
     * {@code vdu}, so its {@code used_kib} is null.
     */
    static Map<String, Object> diskJson(Guests guests, GuestDisk disk, String name) {
        var m = new LinkedHashMap<String, Object>();
        try {
            var cfg = guests.config(name);
            if (!disk.cheap(cfg)) {
                m.put("backend", "directory");
                m.put("used_kib", null);
                m.put("limit_kib", null);
                return m;
            }
            var r = disk.report(cfg);
            m.put("backend", r.backend());
            m.put("used_kib", r.usage().spaceUsedKib());
            m.put("limit_kib", r.limit().isPresent() && r.limit().get().spaceTotalKib().isPresent() ? r.limit().get().spaceTotalKib().getAsLong() : null);
            m.put("inodes_used", r.usage().inodesUsed());
            m.put("inodes_limit", r.limit().isPresent() && r.limit().get().inodesTotal().isPresent() ? r.limit().get().inodesTotal().getAsLong() : null);
        } catch (Exception e) {
            m.put("error", Main.message(e));
        }
        return m;
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var guests = VserverCommand.guests(Optional.ofNullable(confdir), System.out, System.err);
        var rows = new HostView(guests).statRows();
        var disk = new GuestDisk(guests);
        out.print(json ? StatTable.json(rows, r -> Map.of("disk", diskJson(guests, disk, r.name()))) + "\n" : StatTable.format(rows));
        out.flush();
        return 0;
    }
}
