package org.vserver.cli;

import java.time.Duration;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.config.ConfigException;
import org.vserver.state.RunState;
import picocli.CommandLine.Command;
import org.vserver.guest.GuestLimits;
import org.vserver.guest.GuestStart;
import org.vserver.guest.GuestViews;
import org.vserver.guest.GuestDisk;
import org.vserver.guest.Guests;
import org.vserver.config.GuestConfig;
import org.vserver.disk.Usage;
import org.vserver.net.NetworkPlanText;

@Command(name = "status", description = "Say whether the guest runs, at which context, with how many processes, for how long. Exit 0 running, 3 stopped.")
final class StatusCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        var guests = parent.guests();
        var cfg = guests.config(parent.name); // an unknown guest is an error, not "stopped"
        var st = guests.running(parent.name);
        if (st.isEmpty()) {
            if (guests.vserver().state().read(parent.name).isPresent()) guests.cleanup(parent.name);
            parent.out.println("Vserver '" + parent.name + "' is stopped");
            parent.out.println(disk(guests, cfg));
            return 3;
        }
        RunState s = st.get();
        int procs = guests.vserver().cgroups().processes(parent.name).size();
        Duration up = Duration.ofMillis(System.currentTimeMillis() - s.startedEpochMillis());
        parent.out.println("Vserver '" + parent.name + "' is running at context '" + s.xid() + "'");
        parent.out.println("Number of processes: " + procs);
        parent.out.printf("Uptime: %d:%02d:%02d%n", up.toHours(), up.toMinutesPart(), up.toSecondsPart());
        parent.out.println("Network: " + NetworkPlanText.summary(new GuestStart(guests).networkSummary(cfg, s.xid())));
        parent.out.println(GuestViews.line(cfg, guests.vserver().config().lxcfsDir())
                + GuestViews.lost(guests.vserver().state().guestDir(parent.name)));
        for (String line : LimitsReport.status(new GuestLimits(guests).report(parent.name))) parent.out.println(line);
        parent.out.println(disk(guests, cfg));
        return 0;
    }

    /**
     * Status as a guest just started from {@code cfg} shows it, the tokens of launcher/status.c in
     * place of what changes while it runs: compiled with its start (doc/plan-cache.md). Empty for a
     * guest whose disk use is counted at each status (layered or limited): java's.
     */
    static Optional<List<String>> template(Guests guests, GuestConfig cfg, int xid)
            throws IOException, ConfigException {
        if (new GuestDisk(guests).cheap(cfg)) return Optional.empty();
        var out = new ArrayList<String>();
        out.add("Vserver '" + cfg.name() + "' is running at context '" + xid + "'");
        out.add("Number of processes: @PROCS@");
        out.add("Uptime: @UPTIME@");
        out.add("Network: " + NetworkPlanText.summary(new GuestStart(guests).networkSummary(cfg, xid)));
        out.add(GuestViews.template(cfg, guests.vserver().config().lxcfsDir(), guests.vserver().state().guestDir(cfg.name())));
        List<String> limits = LimitsReport.status(new GuestLimits(guests).asStarted(cfg));
        out.addAll(limits.subList(0, limits.size() - 3));          // the counters' lines are the launcher's to fill
        out.addAll(guests.vserver().cgroups().statusTemplate(cfg.name()));
        out.add(disk(guests, cfg));
        return Optional.of(out);
    }

    /**
     * "Disk: 812 MiB of 1 GiB, 1203 of 65536 inodes, limit 1 GiB (loop)". A plain guest's use is
     * not counted here: that walks its whole tree (a quarter of a second for a minimal Debian),
     * on every status; vdu does it on request.
     */
    static String disk(Guests guests, GuestConfig cfg) {
        try {
            var disk = new GuestDisk(guests);
            if (!disk.cheap(cfg))
                return "Disk: not counted, no limit (directory): `vdu --xid " + cfg.name() + " --space --inodes` counts it";
            var r = disk.report(cfg);
            var u = r.usage();
            String limit = r.limit().isPresent() && r.limit().get().spaceTotalKib().isPresent()
                    ? ", limit " + Usage.size(r.limit().get().spaceTotalKib().getAsLong()) : ", no limit";
            return "Disk: " + u.format() + limit + " (" + r.backend() + ")";
        } catch (Exception e) {
            return "Disk: unknown: " + Main.message(e);
        }
    }
}
