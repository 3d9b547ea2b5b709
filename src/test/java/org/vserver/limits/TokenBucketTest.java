package org.vserver.limits;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final TokenBucket D = TokenBucket.DEFAULTS;

    private static TokenBucket b(int fillRate, int interval, int tokens, int min, int max, int bias,
                                 boolean idle, int fillRate2, int interval2) {
        return new TokenBucket(fillRate, interval, tokens, min, max, bias, idle, fillRate2, interval2);
    }

    private static void refused(TokenBucket t, List<String> fields, String message) {
        var e = assertThrows(IllegalArgumentException.class, t::check);
        assertEquals(message, e.getMessage());
        assertEquals(fields, t.violation().orElseThrow().fields());
    }

    @Test void defaultsAndEdgesPass() {
        assertSame(D, D.check());
        b(4, 4, 0, 1, 1, -20, true, 8, 8).check();
        b(1, 1, 500, 500, 500, 20, false, 0, 0).check(); // the idle pair only matters with idle-time
    }

    @Test void fillRate() { refused(b(0, 4, 250, 62, 500, 0, false, 1, 8), List.of("fill-rate"), "fill-rate 0 is below 1 (expected tokens per interval, at least 1)"); }

    @Test void interval() { refused(b(1, 0, 250, 62, 500, 0, false, 1, 8), List.of("interval"), "interval 0 is below 1 (expected milliseconds, at least 1)"); }

    @Test void moreThanOneCpu() {
        refused(b(5, 4, 250, 62, 500, 0, false, 1, 8), List.of("fill-rate", "interval"),
                "fill-rate 5 is more than interval 4: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
    }

    @Test void tokensMin() { refused(b(1, 4, 250, 0, 500, 0, false, 1, 8), List.of("tokens-min"), "tokens-min 0 is below 1 (expected at least 1)"); }

    @Test void tokensMax() { refused(b(1, 4, 0, 1, -1, 0, false, 1, 8), List.of("tokens-max"), "tokens-max -1 is below 1 (expected at least 1)"); }

    @Test void minAboveMax() { refused(b(1, 4, 250, 600, 500, 0, false, 1, 8), List.of("tokens-min", "tokens-max"), "tokens-min 600 is more than tokens-max 500"); }

    @Test void tokensRange() {
        refused(b(1, 4, -1, 62, 500, 0, false, 1, 8), List.of("tokens", "tokens-max"), "tokens -1 is outside 0..tokens-max (500)");
        refused(b(1, 4, 501, 62, 500, 0, false, 1, 8), List.of("tokens", "tokens-max"), "tokens 501 is outside 0..tokens-max (500)");
    }

    @Test void bias() {
        refused(b(1, 4, 250, 62, 500, 21, false, 1, 8), List.of("priority-bias"), "priority-bias 21 is outside -20..20");
        refused(b(1, 4, 250, 62, 500, -21, false, 1, 8), List.of("priority-bias"), "priority-bias -21 is outside -20..20");
    }

    @Test void idlePair() {
        refused(b(1, 4, 250, 62, 500, 0, true, 0, 8), List.of("fill-rate2", "idle-time"), "fill-rate2 0 is below 1 (expected at least 1 with idle-time)");
        refused(b(1, 4, 250, 62, 500, 0, true, 1, 0), List.of("interval2", "idle-time"), "interval2 0 is below 1 (expected at least 1 with idle-time)");
        refused(b(1, 4, 250, 62, 500, 0, true, 9, 8), List.of("fill-rate2", "interval2"),
                "fill-rate2 9 is more than interval2 8: that is more than one CPU's time per CPU (expected fill-rate2 <= interval2)");
    }
}
