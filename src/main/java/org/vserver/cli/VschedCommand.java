package org.vserver.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.vserver.guest.GuestLimits;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.limits.Sched;
import org.vserver.limits.TokenBucket;
import org.vserver.state.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vsched --xid GUEST [--fill-rate N] [--interval MS] ... [--flag [~]sched_hard] [--get]}:
 * VServer's token-bucket parameters of a running guest, read and changed live. As in VServer,
 * {@code --idle-time} is not sticky: an update of the bucket without it switches idle time off.
 */
@Command(name = "vsched", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show or change the CPU token bucket of a running guest (one token = 1 ms of CPU on one CPU).",
                "The change takes effect at once and lasts until the guest stops; sched/ in its configuration is not changed."})
final class VschedCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", required = true, paramLabel = "GUEST", description = "guest name or context number") String xid;
    @Option(names = "--fill-rate", paramLabel = "N", description = "tokens added every interval") Integer fillRate;
    @Option(names = "--interval", paramLabel = "MS", description = "milliseconds between refills") Integer interval;
    @Option(names = "--tokens", paramLabel = "N", description = "tokens in the bucket now") Integer tokens;
    @Option(names = "--tokens-min", paramLabel = "N", description = "a held guest runs again at this many tokens") Integer tokensMin;
    @Option(names = "--tokens-max", paramLabel = "N", description = "bucket size: the longest burst after idling") Integer tokensMax;
    @Option(names = {"--prio-bias", "--priority-bias"}, paramLabel = "N", description = "-20..20, positive = less CPU") Integer prioBias;
    @Option(names = "--idle-time", description = "may use idle CPU at fill-rate2/interval2 (give it on every update)") boolean idleTime;
    @Option(names = "--fill-rate2", paramLabel = "N") Integer fillRate2;
    @Option(names = "--interval2", paramLabel = "MS") Integer interval2;
    @Option(names = "--cpu-id", paramLabel = "CPU", description = "change this CPU's bucket only") Integer cpuId;
    @Option(names = "--bucket-id", paramLabel = "B", description = "accepted for VServer compatibility; there is one bucket per CPU") Integer bucketId;
    @Option(names = "--force", description = "accepted for VServer compatibility: every CPU changes at once anyway") boolean force;
    @Option(names = "--dir", paramLabel = "DIR", description = "read the values from a sched/ directory (fill-rate, interval, ...)") Path dir;
    @Option(names = "--missingok", description = "with --dir: a missing directory is no error") boolean missingOk;
    @Option(names = "--flag", paramLabel = "[~]FLAG", split = ",",
            description = "set (or with ~, clear) sched_hard, sched_prio or sched_pause") List<String> flags = new ArrayList<>();
    @Option(names = "--get", description = "show the parameters, what the kernel enforces and how often it held the guest") boolean get;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        RunState st = GuestRef.requireRunning(guests, xid);
        GuestLimits limits = new GuestLimits(guests);
        if (dir != null) readDir();
        if (changesBucket() || !flags.isEmpty()) {
            for (String n : limits.change(st.name(), cfg -> cfg.withSched(edit(cfg.sched()))))
                spec.commandLine().getErr().println("vsched: " + n);
        }
        if (get || !(changesBucket() || !flags.isEmpty())) out.print(LimitsReport.sched(st, limits.report(st.name())));
        out.flush();
        return 0;
    }

    private boolean changesBucket() {
        return fillRate != null || interval != null || tokens != null || tokensMin != null || tokensMax != null
                || prioBias != null || fillRate2 != null || interval2 != null || idleTime;
    }

    /** The new scheduler settings: the given fields replace the bucket's (top level, or one CPU's), flags toggle. */
    Sched edit(Sched s) {
        boolean hard = s.hard(), prio = s.prio(), pause = s.pause();
        for (String f : flags) {
            boolean on = !(f.startsWith("~") || f.startsWith("!"));
            String name = (on ? f : f.substring(1)).toLowerCase(Locale.ROOT);
            switch (name) {
                case "sched_hard" -> hard = on;
                case "sched_prio" -> prio = on;
                case "sched_pause" -> pause = on;
                default -> throw new IllegalArgumentException("unknown flag '" + name + "': vsched changes sched_hard, sched_prio and sched_pause");
            }
        }
        TokenBucket top = s.bucket();
        var perCpu = new TreeMap<>(s.perCpu());
        if (changesBucket()) {
            // A CPU's bucket inherits idle-time from the top level (sched/<x>/ can only switch it on),
            // so VServer's non-sticky idle-time applies to the top level alone.
            if (cpuId != null) perCpu.put(cpuId, bucket(s.forCpu(cpuId), idleTime || top.idleTime()));
            else top = bucket(top, idleTime);
        }
        return new Sched(top, perCpu, hard, prio, pause);
    }

    private TokenBucket bucket(TokenBucket b, boolean idle) {
        int max = or(tokensMax, b.tokensMax());
        // The current fill follows a smaller bucket (VServer clips the excess); tokens-min as given.
        var n = new TokenBucket(or(fillRate, b.fillRate()), or(interval, b.interval()), or(tokens, Math.min(b.tokens(), max)),
                or(tokensMin, b.tokensMin()), max, or(prioBias, b.prioBias()), idle,
                or(fillRate2, b.fillRate2()), or(interval2, b.interval2()));
        n.check();
        return n;
    }

    private static int or(Integer v, int dflt) { return v != null ? v : dflt; }

    /** util-vserver's {@code vsched --dir}: one file per parameter; options given on the command line win. */
    private void readDir() throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            if (missingOk) return;
            throw new java.nio.file.NoSuchFileException(dir + ": no such sched directory (--missingok to ignore)");
        }
        fillRate = fromDir("fill-rate", fillRate);
        interval = fromDir("interval", interval);
        tokens = fromDir("tokens", tokens);
        tokensMin = fromDir("tokens-min", tokensMin);
        tokensMax = fromDir("tokens-max", tokensMax);
        prioBias = fromDir("priority-bias", prioBias);
        fillRate2 = fromDir("fill-rate2", fillRate2);
        interval2 = fromDir("interval2", interval2);
        idleTime |= Files.exists(dir.resolve("idle-time"));
    }

    private Integer fromDir(String name, Integer given) throws java.io.IOException {
        Path f = dir.resolve(name);
        if (given != null || !Files.exists(f)) return given;
        String s = Files.readString(f).strip();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(f + ":1: not a number: '" + s + "'");
        }
    }
}
