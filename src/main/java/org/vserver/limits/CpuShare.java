package org.vserver.limits;

import org.vserver.kernel.CpuList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;

/**
 * VServer's token bucket (reference vserver.md §3) as the mainline CPU controller sees it: CFS
 * bandwidth ({@code cpu.max}, {@code cpu.max.burst}) for the hard limit and {@code cpu.weight} for
 * the soft one. Pure arithmetic; {@link #notes} say where the kernel cannot do what was asked.
 *
 * <h2>Rate</h2>
 * VServer kept one bucket per CPU, each earning {@code fillRate/interval} of that CPU. The kernel
 * has one bandwidth pool per cgroup, spent on whichever of its CPUs the tasks run, so the guest's
 * rate is the sum over its allowed CPUs: {@code R = Σ forCpu(c).share()}, in CPUs.
 *
 * <h2>Hard limit ({@code sched_hard}) → {@code cpu.max = Q P}, {@code cpu.max.burst = B}</h2>
 * <ul>
 *   <li>Period {@code P} = the time to earn {@code tokens-min} ({@code tokensMin / fillRate *
 *       interval} ms of the top-level bucket): VServer held an empty guest that long, CFS holds a
 *       throttled one until its period ends, so the guest waits about as long as before. The kernel
 *       takes 1 ms..1 s; outside that the hold time changes, with a note.</li>
 *   <li>Quota {@code Q = R * P}: the same long-run share. Since {@code P = tokensMin / r}, Q is
 *       {@code tokens-min} ms per CPU: a released guest runs as long as VServer let it. The kernel's
 *       smallest quota is 1 ms; a smaller one lengthens P instead (note), keeping the share.</li>
 *   <li>Burst {@code B = Σ (tokensMax - tokensMin)} ms: a full bucket let the guest run
 *       {@code tokens-max} at once, and CFS grants at most {@code Q + B} in one period, so
 *       {@code Q + B} is the bucket. The kernel refuses {@code B > Q}, so B is capped at Q and a
 *       note names the tokens-min that would allow the whole burst.</li>
 * </ul>
 * Why the burst is capped rather than the period lengthened to fit it (up to 1 s, {@code P =
 * tokensMax / 2r}): P is the hold a throttled guest suffers on every throttle, the latency its
 * users see, while the burst only matters after the guest idled. Lengthening P behind the admin's
 * back would trade the common case for the rare one. It is also exactly what raising
 * {@code tokens-min} to {@code tokens-max / 2} does, so the note offers that trade and the admin,
 * who knows whether the guest is interactive, chooses it in VServer's own terms.
 *
 * <h2>Idle time ({@code sched_hard} + {@code idle-time})</h2>
 * VServer let a held guest also earn tokens from idle CPU at {@code r2 = fillRate2/interval2}. The
 * kernel cannot tell "idle" in a bandwidth pool, so this is the work-conserving approximation: the
 * cap per CPU becomes {@code r + r2 * (1 - r)} (its rate plus its idle rate of what the rest leaves)
 * and the weight is the soft one from {@code r}, so under contention the guest gets about r, and
 * with nobody else busy up to the cap. A cap of a whole CPU on every allowed CPU is no cap at all.
 *
 * <h2>Soft limit ({@code sched_prio}) and {@code prio-bias} → {@code cpu.weight}</h2>
 * {@code weight = 100 * R * bias}, clamped to the kernel's 1..10000: weights are work-conserving,
 * so two busy guests split the CPU in the ratio of their R, and an idle CPU is never wasted (what
 * VServer's priority bonus approximated). {@code bias = 1.25^-prioBias}, like nice, where each step
 * is about 25% of CPU and a positive bias means less; it applies with or without {@code sched_prio},
 * on the kernel's default weight 100 when there is no rate to scale. {@code sched_pause} is the
 * freezer ({@link ResourcePlanner}).
 *
 * @param bandwidth CFS bandwidth, {@link CpuBandwidth#UNLIMITED} without a hard limit
 * @param weight    {@code cpu.weight}, 1..10000
 * @param notes     where the kernel differs from VServer's numbers
 */
public record CpuShare(CpuBandwidth bandwidth, int weight, List<String> notes) {

    static final long MIN_PERIOD_US = 1_000, MAX_PERIOD_US = 1_000_000, MIN_QUOTA_US = 1_000;
    static final int MIN_WEIGHT = 1, MAX_WEIGHT = 10_000, DEFAULT_WEIGHT = 100;

    public CpuShare {
        notes = List.copyOf(notes);
    }

    /**
     * @param sched the guest's scheduler settings
     * @param cpus  the CPUs it may run on (its cpuset, else the host's); not empty
     */
    public static CpuShare of(Sched sched, CpuList cpus) {
        List<String> notes = new ArrayList<>();
        double bias = Math.pow(1.25, -Math.clamp(sched.bucket().prioBias(), -20, 20));
        double rate = 0;
        for (int c : cpus.bits().stream().toArray()) rate += sched.forCpu(c).share();
        int weight = sched.prio() || (sched.hard() && sched.bucket().idleTime())
                ? weight(100 * rate * bias, notes)
                : weight(DEFAULT_WEIGHT * bias, notes);
        CpuBandwidth bw = sched.hard() ? bandwidth(sched, cpus, notes) : CpuBandwidth.UNLIMITED;
        return new CpuShare(bw, weight, notes);
    }

    private static int weight(double exact, List<String> notes) {
        long w = Math.round(exact);
        if (w < MIN_WEIGHT || w > MAX_WEIGHT)
            notes.add(String.format(Locale.ROOT, "sched: cpu weight %.1f is outside the kernel's %d..%d; using %d",
                    exact, MIN_WEIGHT, MAX_WEIGHT, Math.clamp(w, MIN_WEIGHT, MAX_WEIGHT)));
        return (int) Math.clamp(w, MIN_WEIGHT, MAX_WEIGHT);
    }

    private static CpuBandwidth bandwidth(Sched sched, CpuList cpus, List<String> notes) {
        // The cap in CPUs: the rate, or with idle time the rate plus its share of what others leave.
        double cap = 0;
        long burstMs = 0, bucketMs = 0;
        for (int c : cpus.bits().stream().toArray()) {
            TokenBucket b = sched.forCpu(c);
            double r = Math.min(1, b.share());
            cap += b.idleTime() ? Math.min(1, r + b.idleShare() * (1 - r)) : r;
            burstMs += Math.max(0, b.tokensMax() - b.tokensMin());
            bucketMs += b.tokensMax();
        }
        if (cap >= cpus.count()) return CpuBandwidth.UNLIMITED;   // every allowed CPU in full: nothing to enforce

        TokenBucket top = sched.bucket();
        double holdMs = top.fillRate() <= 0 ? Double.POSITIVE_INFINITY : (double) top.tokensMin() / top.fillRate() * top.interval();
        long period = Math.clamp(Math.round(holdMs * 1000), MIN_PERIOD_US, MAX_PERIOD_US);
        if (period != Math.round(holdMs * 1000))
            notes.add(String.format(Locale.ROOT, "sched: the hold time changes from %s to %s ms (the kernel's period is 1..1000 ms)",
                    ms(holdMs), ms(period / 1000.0)));
        long quota = Math.round(cap * period);
        if (quota < MIN_QUOTA_US) {
            // A longer period keeps the share where a bigger quota would raise it.
            long longer = cap <= 0 ? Long.MAX_VALUE : (long) Math.ceil(MIN_QUOTA_US / cap);
            if (longer <= MAX_PERIOD_US) {
                notes.add(String.format(Locale.ROOT, "sched: the hold time changes from %s to %s ms (the kernel's smallest quota is 1 ms)",
                        ms(period / 1000.0), ms(longer / 1000.0)));
                period = longer;
                quota = Math.max(MIN_QUOTA_US, Math.round(cap * period));
            } else {
                notes.add(String.format(Locale.ROOT, "sched: a share of %s CPUs is below the kernel's smallest, 1 ms per 1000 ms; using 0.001",
                        ms(cap)));
                period = MAX_PERIOD_US;
                quota = MIN_QUOTA_US;
            }
        }
        long burst = burstMs * 1000;
        if (burst > quota) {
            String on = cpus.count() > 1 ? " on " + cpus.count() + " CPUs (" + bucketMs + " ms)" : "";
            notes.add(String.format(Locale.ROOT, "sched: tokens-max %d%s cannot be granted at once: the kernel allows at most "
                    + "quota+burst = %s ms per period (cpu.max.burst <= quota); raise tokens-min to %d for the full burst",
                    top.tokensMax(), on, ms(2 * quota / 1000.0), (top.tokensMax() + 1) / 2));
            burst = quota;
        }
        return new CpuBandwidth(period, quota, burst);
    }

    /** Milliseconds as the admin wrote them: no ".0" on whole numbers. */
    private static String ms(double v) {
        if (Double.isInfinite(v)) return "infinite";
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }
}
