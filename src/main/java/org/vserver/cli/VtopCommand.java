package org.vserver.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.vserver.guest.GuestOwnerNames;
import org.vserver.guest.HostView;
import org.vserver.proc.OwnerNames;
import org.vserver.proc.ProcScan;
import org.vserver.proc.TopContext;
import org.vserver.proc.TopGuest;
import org.vserver.proc.TopSampler;
import org.vserver.proc.TopSnapshot;
import org.vserver.proc.TopTable;
import org.vserver.proc.TopView;
import org.vserver.proc.UserNames;
import org.vserver.state.RunState;
import org.vserver.state.Xid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vtop}: top of the host and its guests. VServer ran top in the spectator context; here the
 * host's /proc already shows every guest process, so vtop reads it itself, as root, and asks the
 * kernel (each process's cgroup) which guest a process belongs to. The work is in
 * org.vserver.proc (TopSampler, TopTable, TopView); this class only loops and talks to the terminal.
 */
@Command(name = "vtop", mixinStandardHelpOptions = true,
        description = {"Watch every process of the host and its guests live, with a summary per guest.",
                "Keys: q quit, c/m/p/x/t sort by CPU/memory/pid/context/time, g show one guest (again: the next, then all),"
                        + " space refresh now.",
                "Without a terminal on stdout, or with -b, prints snapshots: a summary table (XID NAME TASKS %%CPU RSS UPTIME),"
                        + " a blank line, a process table (PID XID NAME USER %%CPU RSS S TIME COMMAND); snapshots are"
                        + " separated by a blank line. The host is XID 0, NAME MAIN. The first snapshot's %%CPU is each"
                        + " process's lifetime average, later ones cover the interval.",
                "USER of a guest with its own user namespace is the guest's name for the user, from the guest's /etc/passwd"
                        + " (its number there if it has none); --json keeps the host's uid as host_uid."})
final class VtopCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-b", "--batch"}, description = "print snapshots instead of a live screen") boolean batch;

    @Option(names = {"-n", "--iterations"}, paramLabel = "N", description = "stop after N snapshots (default with -b: 1)")
    Integer iterations;

    @Option(names = {"-d", "--delay"}, paramLabel = "SECONDS", description = "refresh interval (default: ${DEFAULT-VALUE})")
    double delay = 2;

    @Option(names = "--json", description = "one JSON object per snapshot and line (implies -b)") boolean json;

    @Option(names = "--confdir", paramLabel = "DIR") Path confdir;

    @Override
    public Integer call() throws Exception {
        if (!(delay > 0) || Double.isInfinite(delay) || delay > 86400)
            throw new ParameterException(spec.commandLine(), "-d wants a number of seconds above 0, not " + delay);
        if (iterations != null && iterations < 1)
            throw new ParameterException(spec.commandLine(), "-n wants at least 1 snapshot, not " + iterations);
        var guests = VserverCommand.guests(Optional.ofNullable(confdir), System.out, System.err);
        var host = new HostView(guests);
        UserNames hostUsers = UserNames.read(Path.of("/etc/passwd"));
        // The guests' ranges and names are read again for every snapshot: vtop runs for hours, and
        // guests start and change their passwd meanwhile. Within one snapshot each is read once.
        OwnerNames[] owners = new OwnerNames[1];
        var sampler = new TopSampler(new ProcScan(guests.vserver().proc().root(), guests.vserver().cgroupParent()),
                uid -> owners[0].name(OwnerNames.Kind.USER, Integer.toUnsignedLong(uid)));
        Sampling sample = () -> {
            owners[0] = GuestOwnerNames.of(guests.vserver(), hostUsers, UserNames.NONE);
            List<TopContext> running = new ArrayList<>();
            for (RunState st : host.runningGuests()) running.add(new TopContext(st.xid(), st.name(), st.initStartTicks()));
            return sampler.next(running, Instant.now(), System.nanoTime());
        };
        PrintWriter out = spec.commandLine().getOut();
        if (batch || json || !RawTerminal.stdoutIsTerminal(guests.vserver().proc())) return batch(sample, out, iterations == null ? 1 : iterations);
        return live(sample, out);
    }

    /** One snapshot; the command supplies the guests and clocks. */
    private interface Sampling {
        TopSnapshot next() throws Exception;
    }

    private int batch(Sampling sample, PrintWriter out, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            if (i > 0) Thread.sleep(millis());
            TopSnapshot s = sample.next().as(TopView.DEFAULT);
            if (json) {
                out.print(TopTable.json(s) + "\n");
            } else {
                out.print((i > 0 ? "\n" : "") + TopTable.text(s));
            }
            out.flush();                                          // each snapshot as it is taken: `vtop -b -n 60 | ...`
        }
        return 0;
    }

    private int live(Sampling sample, PrintWriter out) throws Exception {
        try (RawTerminal tty = RawTerminal.enter(out)) {
            BlockingQueue<Integer> keys = tty.keys();
            TopView view = TopView.DEFAULT;
            TopSnapshot snap = sample.next();
            int frames = 1;
            long due = System.nanoTime() + millis() * 1_000_000L;
            while (true) {
                int[] size = tty.size();
                tty.draw(TopTable.screen(snap, view, delay, size[0], size[1]));
                Integer key = keys.poll(Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
                TopView.Action action = key == null ? TopView.Action.REFRESH
                        : key == RawTerminal.HANGUP ? TopView.Action.QUIT : TopView.action(key);
                if (action == TopView.Action.QUIT) return 0;
                if (action == TopView.Action.REDRAW) view = view.after(key, guestXids(snap));
                if (action == TopView.Action.REFRESH) {
                    if (iterations != null && frames >= iterations) return 0;
                    snap = sample.next();
                    frames++;
                    due = System.nanoTime() + millis() * 1_000_000L;
                }
            }
        }
    }

    private static List<Integer> guestXids(TopSnapshot s) {
        return s.guests().stream().mapToInt(TopGuest::xid).filter(x -> x != Xid.HOST).boxed().toList();
    }

    private long millis() {
        return Math.max(1, Math.round(delay * 1000));
    }
}
