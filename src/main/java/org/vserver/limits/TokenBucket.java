package org.vserver.limits;

import java.util.List;
import java.util.Optional;

/**
 * VServer's token-bucket parameters (reference vserver.md §3) for one guest, or for one CPU of it
 * ({@code sched/<x>/} with a {@code cpu-id}). One token is one millisecond of CPU time on one CPU:
 * VServer counted timer ticks, and {@code interval}s are given here in milliseconds (VServer's
 * {@code VXSM_MSEC}), so the configured values read as they did on an HZ=1000 kernel.
 *
 * @param fillRate  tokens added every {@code interval}
 * @param interval  milliseconds between refills
 * @param tokens    tokens in the bucket at start (VServer's initial fill)
 * @param tokensMin a guest on hold runs again once the bucket holds this many
 * @param tokensMax the bucket's size: the most CPU time a guest may burst after idling
 * @param prioBias  -20..20, added to the priority of every task of the guest (nice-like: positive = less CPU)
 * @param idleTime  the guest may use otherwise idle CPU at {@code fillRate2/interval2}
 * @param fillRate2 tokens added every {@code interval2} of idle time
 * @param interval2 milliseconds of idle time per refill
 *
 * <p>Validation ({@link #check}, shared by {@code sched/} and the {@code vsched} command): VServer's
 * kernel silently sanitised bad values ({@code tokens_max <= 0} became HZ, {@code tokens_min} was
 * clamped to {@code tokens_max}, the bias to ±20; reference §3.2). We refuse them instead, because
 * a silently different setting is exactly what an admin cannot see or debug.
 */
public record TokenBucket(int fillRate, int interval, int tokens, int tokensMin, int tokensMax, int prioBias,
                          boolean idleTime, int fillRate2, int interval2) {

    /** VServer's context defaults at HZ=1000: 1 token per 4 ms, bucket 250 of 500, hold until 62; idle pair 1/8. */
    public static final TokenBucket DEFAULTS = new TokenBucket(1, 4, 250, 62, 500, 0, false, 1, 8);

    /** The lowest and highest {@code priority-bias}. */
    public static final int MIN_BIAS = -20, MAX_BIAS = 20;

    /**
     * What is wrong with a bucket.
     *
     * @param fields  the {@code sched/} file names of the values involved, the most likely culprit
     *                first (so a reader can point at the file that holds one of them)
     * @param message what is wrong and what is expected
     */
    public record Violation(List<String> fields, String message) {
        public Violation { fields = List.copyOf(fields); }
    }

    /** The first rule this bucket breaks, if any; rules in the order of {@code vsched}'s options. */
    public Optional<Violation> violation() {
        if (fillRate < 1) return v("fill-rate " + fillRate + " is below 1 (expected tokens per interval, at least 1)", "fill-rate");
        if (interval < 1) return v("interval " + interval + " is below 1 (expected milliseconds, at least 1)", "interval");
        if (fillRate > interval)
            return v("fill-rate " + fillRate + " is more than interval " + interval
                    + ": that is more than one CPU's time per CPU (expected fill-rate <= interval)", "fill-rate", "interval");
        if (tokensMin < 1) return v("tokens-min " + tokensMin + " is below 1 (expected at least 1)", "tokens-min");
        if (tokensMax < 1) return v("tokens-max " + tokensMax + " is below 1 (expected at least 1)", "tokens-max");
        if (tokensMin > tokensMax)
            return v("tokens-min " + tokensMin + " is more than tokens-max " + tokensMax, "tokens-min", "tokens-max");
        if (tokens < 0 || tokens > tokensMax)
            return v("tokens " + tokens + " is outside 0..tokens-max (" + tokensMax + ")", "tokens", "tokens-max");
        if (prioBias < MIN_BIAS || prioBias > MAX_BIAS)
            return v("priority-bias " + prioBias + " is outside " + MIN_BIAS + ".." + MAX_BIAS, "priority-bias");
        if (idleTime) {
            if (fillRate2 < 1) return v("fill-rate2 " + fillRate2 + " is below 1 (expected at least 1 with idle-time)", "fill-rate2", "idle-time");
            if (interval2 < 1) return v("interval2 " + interval2 + " is below 1 (expected at least 1 with idle-time)", "interval2", "idle-time");
            if (fillRate2 > interval2)
                return v("fill-rate2 " + fillRate2 + " is more than interval2 " + interval2
                        + ": that is more than one CPU's time per CPU (expected fill-rate2 <= interval2)", "fill-rate2", "interval2");
        }
        return Optional.empty();
    }

    /**
     * @throws IllegalArgumentException with the message of the first rule this bucket breaks
     * @see #violation
     */
    public TokenBucket check() {
        Optional<Violation> bad = violation();
        if (bad.isPresent()) throw new IllegalArgumentException(bad.get().message());
        return this;
    }

    private static Optional<Violation> v(String message, String... fields) {
        return Optional.of(new Violation(List.of(fields), message));
    }

    public TokenBucket withIdle(boolean on) {
        return new TokenBucket(fillRate, interval, tokens, tokensMin, tokensMax, prioBias, on, fillRate2, interval2);
    }

    /** The long-run share of one CPU: {@code fillRate / interval}. */
    public double share() { return (double) fillRate / interval; }

    /** The share of one CPU earned from idle time: {@code fillRate2 / interval2}. */
    public double idleShare() { return (double) fillRate2 / interval2; }
}
