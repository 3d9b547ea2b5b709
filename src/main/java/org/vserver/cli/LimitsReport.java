package org.vserver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vserver.cgroup.Counters;
import org.vserver.guest.GuestLimits;
import org.vserver.limits.Limit;
import org.vserver.limits.LimitValue;
import org.vserver.limits.Resource;
import org.vserver.limits.Sched;
import org.vserver.limits.TokenBucket;
import org.vserver.state.RunState;

/**
 * The text of {@code vsched --get}, {@code vlimit --get} and the limits part of {@code status}: what
 * the admin asked for, what the kernel enforces (its own files, verbatim) and how often it did.
 */
final class LimitsReport {
    private LimitsReport() {}

    static String sched(RunState st, GuestLimits.Report r) {
        var sb = new StringBuilder();
        Sched s = r.live().sched();
        sb.append("guest ").append(st.name()).append(" (context ").append(st.xid()).append("): ").append(flags(s)).append('\n');
        sb.append("  all CPUs: ").append(bucket(s.bucket())).append('\n');
        s.perCpu().forEach((cpu, b) -> sb.append("  cpu ").append(cpu).append(": ").append(bucket(b)).append('\n'));
        kernel(sb, r.kernel(), "cpu.", "cgroup.freeze", "freezer.state");
        sb.append("  ").append(cpuLine(r.counters())).append('\n');
        return sb.toString();
    }

    static String limits(RunState st, GuestLimits.Report r) {
        var sb = new StringBuilder();
        sb.append("guest ").append(st.name()).append(" (context ").append(st.xid()).append(")\n");
        sb.append(String.format("  %-10s %12s %12s %12s  %-7s  %s%n", "RESOURCE", "SOFT", "HARD", "MIN", "UNIT", "FROM"));
        for (Map.Entry<Resource, Limit> e : r.live().rlimits().entrySet()) {
            Limit l = e.getValue();
            sb.append(String.format("  %-10s %12s %12s %12s  %-7s  %s%n", e.getKey().lowerName(), value(l.soft()), value(l.hard()),
                    value(l.min()), unit(e.getKey()), r.sources().getOrDefault(e.getKey(), "?")));
        }
        if (r.live().rlimits().isEmpty()) sb.append("  (no limits set)\n");
        kernel(sb, r.kernel(), "memory.", "pids.");
        sb.append("  ").append(memoryLine(r.counters())).append('\n');
        sb.append("  ").append(tasksLine(r.counters())).append('\n');
        return sb.toString();
    }

    /** The lines {@code vserver NAME status} adds for a running guest. */
    static List<String> status(GuestLimits.Report r) {
        List<String> out = new ArrayList<>();
        Sched s = r.live().sched();
        if (s.hard() || s.prio() || s.pause()) out.add("Scheduler: " + flags(s) + ", " + bucket(s.bucket()));
        out.add(limitsLine(r));
        out.add(cpuLine(r.counters()));
        out.add(memoryLine(r.counters()));
        out.add(tasksLine(r.counters()));
        return out;
    }

    /**
     * The effective limits and where each comes from: {@code Limits: rss hard 8192 pages (guest), nproc
     * 4096 (built-in), nofile soft 1024 hard 4096 (.defaults)}; a limit vlimit changed says so.
     */
    static String limitsLine(GuestLimits.Report r) {
        List<String> items = new ArrayList<>();
        r.live().rlimits().forEach((res, l) -> items.add(res.lowerName() + " " + limitText(l)
                + (res.unit() == Resource.Unit.COUNT ? "" : " " + unit(res)) + " (" + r.sources().getOrDefault(res, "?") + ")"));
        return "Limits: " + (items.isEmpty() ? "none" : String.join(", ", items));
    }

    private static String limitText(Limit l) {
        String text = l.soft().isEmpty() && l.hard().isEmpty() ? "" : l.soft().equals(l.hard()) ? value(l.hard())
                : (l.soft().isPresent() ? "soft " + value(l.soft()) : "") + (l.soft().isPresent() && l.hard().isPresent() ? " " : "")
                + (l.hard().isPresent() ? "hard " + value(l.hard()) : "");
        return l.min().isPresent() ? text + (text.isEmpty() ? "" : " ") + "min " + value(l.min()) : text;
    }

    private static String unit(Resource r) { return r.unit().name().toLowerCase(java.util.Locale.ROOT); }

    private static String flags(Sched s) {
        List<String> f = new ArrayList<>();
        if (s.hard()) f.add("sched_hard");
        if (s.prio()) f.add("sched_prio");
        if (s.pause()) f.add("sched_pause");
        return f.isEmpty() ? "no CPU limit (no sched_hard or sched_prio)" : String.join(" ", f);
    }

    private static String bucket(TokenBucket b) {
        return String.format("fill-rate %d interval %d (%.1f%% of a CPU) tokens %d tokens-min %d tokens-max %d priority-bias %d%s",
                b.fillRate(), b.interval(), 100 * b.share(), b.tokens(), b.tokensMin(), b.tokensMax(), b.prioBias(),
                b.idleTime() ? " idle-time fill-rate2 " + b.fillRate2() + " interval2 " + b.interval2() : "");
    }

    private static void kernel(StringBuilder sb, Map<String, String> kernel, String... prefixes) {
        List<String> lines = new ArrayList<>();
        kernel.forEach((k, v) -> {
            for (String p : prefixes) if (k.startsWith(p)) { lines.add(k + "=" + v.replace('\n', ' ')); break; }
        });
        if (!lines.isEmpty()) sb.append("  kernel: ").append(String.join(" ", lines)).append('\n');
    }

    static String cpuLine(Counters c) {
        if (c.periods() < 0) return "CPU: no bandwidth accounting on this host";
        return String.format("CPU: held in %d of %d periods (%.2f s), burst in %d (%.2f s)%s", c.throttled(), c.periods(),
                c.throttledUsec() / 1e6, Math.max(0, c.bursts()), Math.max(0, c.burstUsec()) / 1e6, c.frozen() ? "; paused (frozen)" : "");
    }

    static String memoryLine(Counters c) {
        return "Memory: " + mib(c.memoryBytes()) + " used, peak " + mib(c.memoryPeakBytes()) + "; OOM kills " + count(c.oomKills())
                + ", allocations over the limit " + count(c.memoryFailures());
    }

    static String tasksLine(Counters c) {
        return "Tasks: " + count(c.tasks()) + "; forks refused at nproc " + count(c.forkRefusals());
    }

    private static String value(java.util.OptionalLong v) {
        return v.isEmpty() ? "-" : LimitValue.format(v.getAsLong());
    }

    private static String mib(long bytes) { return bytes < 0 ? "?" : String.format("%.1f MiB", bytes / 1048576.0); }

    private static String count(long n) { return n < 0 ? "?" : Long.toString(n); }
}
