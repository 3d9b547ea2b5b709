package org.vserver.proc;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.vserver.state.Xid;

/**
 * Turns passes over /proc into vtop snapshots. CPU% is the growth of utime + stime since the
 * previous pass over the time between the passes; a process is matched to its previous sample by
 * pid and start time, so a recycled pid starts afresh. The first pass has nothing to compare with
 * and shows each process's lifetime average instead.
 */
public final class TopSampler {
    private static final long NANOS_PER_TICK = 1_000_000_000L / ProcStat.CLOCK_TICKS;

    private final ProcScan scan;
    private final IntFunction<String> userName;
    private Map<GuestProcess, Long> previous;        // cpu ticks of the last pass; null before the first
    private long previousNanos;

    public TopSampler(ProcScan scan, IntFunction<String> userName) {
        this.scan = scan;
        this.userName = userName;
    }

    /**
     * Reads /proc once.
     *
     * @param guests    the running guests; a process in the cgroup of another guest gets xid -1
     * @param now       the wall-clock time to stamp the snapshot with
     * @param monoNanos a monotonic clock (System.nanoTime) for the interval
     */
    public TopSnapshot next(List<TopContext> guests, Instant now, long monoNanos) throws IOException {
        long uptime = scan.uptimeTicks();
        List<ProcScan.Entry> entries = scan.processes();
        Map<String, TopContext> byName = new HashMap<>();
        for (TopContext g : guests) byName.put(g.name(), g);
        long interval = previous == null ? 0 : Math.max(1, monoNanos - previousNanos);

        Map<GuestProcess, Long> ticks = new HashMap<>(entries.size() * 2);
        List<TopProcess> processes = new ArrayList<>(entries.size());
        for (ProcScan.Entry e : entries) {
            ProcStat s = e.stat();
            long used = s.utime() + s.stime();
            GuestProcess id = GuestProcess.of(s);
            ticks.put(id, used);
            double cpu;
            if (previous == null) {
                long lived = uptime - s.startTicks();
                cpu = lived > 0 ? 100.0 * used / lived : 0;
            } else {
                // a process born during the interval used all its ticks in it
                long delta = Math.max(0, used - previous.getOrDefault(id, 0L));
                cpu = 100.0 * delta * NANOS_PER_TICK / interval;
            }
            int xid;
            String context;
            if (e.guest().isEmpty()) {
                xid = Xid.HOST;
                context = Xid.HOST_NAME;
            } else {
                TopContext g = byName.get(e.guest().get());
                xid = g == null ? -1 : g.xid();
                context = e.guest().get();
            }
            processes.add(new TopProcess(s.pid(), xid, context, userName.apply(e.uid()), Integer.toUnsignedLong(e.uid()), cpu, s.rssBytes(), s.state(),
                    used * NANOS_PER_TICK, e.command()));
        }
        previous = ticks;
        previousNanos = monoNanos;
        return new TopSnapshot(now, interval / 1e9, summary(guests, processes, uptime), processes);
    }

    private static List<TopGuest> summary(List<TopContext> guests, List<TopProcess> processes, long uptime) {
        List<TopContext> sorted = new ArrayList<>(guests);
        sorted.sort(Comparator.comparingInt(TopContext::xid));
        List<TopGuest> out = new ArrayList<>();
        out.add(sum(Xid.HOST, Xid.HOST_NAME, uptime, processes));
        for (TopContext g : sorted) out.add(sum(g.xid(), g.name(), Math.max(0, uptime - g.startTicks()), processes));
        return out;
    }

    private static TopGuest sum(int xid, String name, long upTicks, List<TopProcess> processes) {
        int tasks = 0;
        double cpu = 0;
        long rss = 0;
        for (TopProcess p : processes) {
            if (p.xid() != xid) continue;
            tasks++;
            cpu += p.cpuPercent();
            rss += p.rssBytes();
        }
        return new TopGuest(xid, name, tasks, cpu, rss, upTicks * NANOS_PER_TICK);
    }
}
