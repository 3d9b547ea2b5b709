package org.vserver.limits;

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
 */
public record TokenBucket(int fillRate, int interval, int tokens, int tokensMin, int tokensMax, int prioBias,
                          boolean idleTime, int fillRate2, int interval2) {

    /** VServer's context defaults at HZ=1000: 1 token per 4 ms, bucket 250 of 500, hold until 62; idle pair 1/8. */
    public static final TokenBucket DEFAULTS = new TokenBucket(1, 4, 250, 62, 500, 0, false, 1, 8);

    /** The long-run share of one CPU: {@code fillRate / interval}. */
    public double share() { return (double) fillRate / interval; }

    /** The share of one CPU earned from idle time: {@code fillRate2 / interval2}. */
    public double idleShare() { return (double) fillRate2 / interval2; }
}
