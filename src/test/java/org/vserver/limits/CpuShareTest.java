package org.vserver.limits;

import org.vserver.kernel.CpuList;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;

class CpuShareTest {
    static final TokenBucket D = TokenBucket.DEFAULTS;
    static final CpuList ONE = CpuList.parse("0"), FOUR = CpuList.parse("0-3");

    static TokenBucket bucket(int fill, int interval, int min, int max) {
        return new TokenBucket(fill, interval, max, min, max, 0, false, 1, 8);
    }

    static TokenBucket biased(int bias) { return new TokenBucket(1, 4, 250, 62, 500, bias, false, 1, 8); }

    static TokenBucket idle(TokenBucket b, int fill2, int interval2) {
        return new TokenBucket(b.fillRate(), b.interval(), b.tokens(), b.tokensMin(), b.tokensMax(), b.prioBias(), true, fill2, interval2);
    }

    static Sched hard(TokenBucket b) { return new Sched(b, new TreeMap<>(), true, false, false); }

    static Sched prio(TokenBucket b) { return new Sched(b, new TreeMap<>(), false, true, false); }

    @Test
    void noFlagsIsNoLimitAndTheDefaultWeight() {
        assertEquals(new CpuShare(CpuBandwidth.UNLIMITED, 100, List.of()), CpuShare.of(Sched.NONE, FOUR));
    }

    @Test
    void prioBiasScalesTheWeightLikeNice() {
        Sched s = new Sched(biased(4), new TreeMap<>(), false, false, false);
        assertEquals(41, CpuShare.of(s, ONE).weight());                       // 100 / 1.25^4 = 40.96
        assertEquals(125, CpuShare.of(new Sched(biased(-1), new TreeMap<>(), false, false, false), ONE).weight());
        assertEquals(8674, CpuShare.of(new Sched(biased(-20), new TreeMap<>(), false, false, false), ONE).weight());
        assertEquals(8674, CpuShare.of(new Sched(biased(-99), new TreeMap<>(), false, false, false), ONE).weight(), "clamped to -20");
        assertEquals(CpuBandwidth.UNLIMITED, CpuShare.of(s, ONE).bandwidth());
    }

    @Test
    void prioWeightsSplitCpuInTheRatioOfTheRates() {
        assertEquals(25, CpuShare.of(prio(D), ONE).weight());
        assertEquals(50, CpuShare.of(prio(bucket(1, 2, 62, 500)), ONE).weight());
        assertEquals(100, CpuShare.of(prio(D), FOUR).weight(), "one bucket per CPU: 4 x 1/4");
        assertEquals(CpuBandwidth.UNLIMITED, CpuShare.of(prio(D), ONE).bandwidth(), "prio alone never holds");
        assertEquals(Math.round(25 / Math.pow(1.25, 3)), CpuShare.of(prio(biased(3)), ONE).weight());
    }

    @Test
    void weightIsClampedWithANote() {
        CpuShare big = CpuShare.of(prio(bucket(1, 1, 62, 500)), CpuList.parse("0-127"));
        assertEquals(10000, big.weight());
        assertTrue(big.notes().getFirst().contains("12800.0 is outside the kernel's 1..10000; using 10000"), big.notes().toString());
        CpuShare tiny = CpuShare.of(prio(new TokenBucket(1, 1000, 0, 0, 10, 20, false, 1, 8)), ONE);
        assertEquals(1, tiny.weight());
        assertEquals(1, tiny.notes().size());
    }

    @Test
    void defaultsHardOnOneCpu() {
        CpuShare s = CpuShare.of(hard(D), ONE);
        // hold = 62 / 1 * 4 = 248 ms; quota = 1/4 of it = tokens-min; the burst is capped at the quota
        assertEquals(new CpuBandwidth(248_000, 62_000, 62_000), s.bandwidth());
        assertEquals(100, s.weight());
        assertEquals(List.of("sched: tokens-max 500 cannot be granted at once: the kernel allows at most quota+burst = 124 ms "
                + "per period (cpu.max.burst <= quota); raise tokens-min to 250 for the full burst"), s.notes());
    }

    @Test
    void theSuggestedTokensMinGivesTheWholeBucket() {
        CpuShare s = CpuShare.of(hard(bucket(1, 4, 250, 500)), ONE);
        assertEquals(new CpuBandwidth(1_000_000, 250_000, 250_000), s.bandwidth());
        assertEquals(List.of(), s.notes());
    }

    @Test
    void wikiExample() {
        // 7/32 = 21.9% of a CPU, hold 200/7*32 = 914 ms
        CpuShare s = CpuShare.of(hard(bucket(7, 32, 200, 400)), ONE);
        assertEquals(new CpuBandwidth(914_286, 200_000, 200_000), s.bandwidth());
        assertEquals(List.of(), s.notes());
    }

    @Test
    void perCpuBucketsAddUpOverTheAllowedCpus() {
        CpuShare s = CpuShare.of(hard(D), FOUR);
        assertEquals(new CpuBandwidth(248_000, 248_000, 248_000), s.bandwidth());
        assertEquals(List.of("sched: tokens-max 500 on 4 CPUs (2000 ms) cannot be granted at once: the kernel allows at most "
                + "quota+burst = 496 ms per period (cpu.max.burst <= quota); raise tokens-min to 250 for the full burst"), s.notes());

        Sched own = new Sched(D, new TreeMap<>(Map.of(1, bucket(1, 2, 62, 124), 7, bucket(1, 1, 1, 1))), false, true, false);
        assertEquals(75, CpuShare.of(own, CpuList.parse("0-1")).weight(), "cpu 1 has 1/2, cpu 7 is not allowed");
    }

    @Test
    void aLongHoldIsClampedToOneSecond() {
        CpuShare s = CpuShare.of(hard(bucket(1, 100, 50, 60)), ONE);
        assertEquals(new CpuBandwidth(1_000_000, 10_000, 10_000), s.bandwidth());
        assertEquals(List.of("sched: the hold time changes from 5000 to 1000 ms (the kernel's period is 1..1000 ms)"), s.notes());
    }

    @Test
    void aQuotaBelowOneMillisecondLengthensThePeriod() {
        CpuShare s = CpuShare.of(hard(bucket(1, 4, 0, 0)), ONE);
        assertEquals(new CpuBandwidth(4_000, 1_000, 0), s.bandwidth());
        assertEquals(List.of("sched: the hold time changes from 0 to 1 ms (the kernel's period is 1..1000 ms)",
                "sched: the hold time changes from 1 to 4 ms (the kernel's smallest quota is 1 ms)"), s.notes());
    }

    @Test
    void aFractionalHoldIsNotRounded() {
        CpuShare s = CpuShare.of(hard(bucket(3, 1, 1, 1)), ONE);   // share 3 > 1 CPU: no limit on one CPU
        assertEquals(CpuBandwidth.UNLIMITED, s.bandwidth());
        CpuShare t = CpuShare.of(hard(bucket(3, 10, 1, 1)), ONE);  // hold 3.333 ms
        assertEquals(new CpuBandwidth(3_333, 1_000, 0), t.bandwidth());
    }

    @Test
    void noFillRateHoldsForeverSoTheSmallestShareIsUsed() {
        CpuShare s = CpuShare.of(hard(bucket(0, 4, 62, 62)), ONE);
        assertEquals(new CpuBandwidth(1_000_000, 1_000, 0), s.bandwidth());
        assertEquals(2, s.notes().size());
        assertTrue(s.notes().get(0).contains("from infinite to 1000 ms"), s.notes().toString());
        assertTrue(s.notes().get(1).contains("below the kernel's smallest"), s.notes().toString());
    }

    @Test
    void aWholeCpuIsNoLimit() {
        assertEquals(CpuBandwidth.UNLIMITED, CpuShare.of(hard(bucket(4, 4, 62, 500)), ONE).bandwidth());
        assertEquals(List.of(), CpuShare.of(hard(bucket(4, 4, 62, 500)), ONE).notes());
    }

    @Test
    void idleTimeRaisesTheCapAndWeighsByTheRate() {
        CpuShare s = CpuShare.of(hard(idle(bucket(1, 4, 62, 124), 1, 8)), ONE);
        // cap = 1/4 + 1/8 * 3/4 = 0.34375 of a CPU; under contention weight 25 gives about 1/4
        assertEquals(new CpuBandwidth(248_000, 85_250, 62_000), s.bandwidth());
        assertEquals(25, s.weight());
        assertEquals(List.of(), s.notes());
    }

    @Test
    void idleTimeAtFullRateIsWorkConservingOnly() {
        CpuShare s = CpuShare.of(hard(idle(D, 1, 1)), FOUR);
        assertEquals(CpuBandwidth.UNLIMITED, s.bandwidth());
        assertEquals(100, s.weight());
    }

    @Test
    void hardAndPrioTogether() {
        CpuShare s = CpuShare.of(new Sched(bucket(1, 4, 250, 500), new TreeMap<>(), true, true, false), FOUR);
        assertEquals(new CpuBandwidth(1_000_000, 1_000_000, 1_000_000), s.bandwidth());
        assertEquals(100, s.weight());
    }
}
