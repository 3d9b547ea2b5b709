package org.vserver.limits;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class LimitValueTest {
    @Test void numbersAndSuffixes() {
        assertEquals(0, LimitValue.parse("0"));
        assertEquals(1234, LimitValue.parse(" 1234 "));
        assertEquals(5000, LimitValue.parse("5k"));
        assertEquals(5120, LimitValue.parse("5K"));
        assertEquals(3_000_000, LimitValue.parse("3m"));
        assertEquals(3L << 20, LimitValue.parse("3M"));
        assertEquals(2_000_000_000L, LimitValue.parse("2g"));
        assertEquals(2L << 30, LimitValue.parse("2G"));
        assertEquals(Long.MAX_VALUE - 1, LimitValue.parse(Long.toString(Long.MAX_VALUE - 1)));
    }

    @Test void infinity() {
        for (String s : List.of("inf", "INF", "infinity", "unlimited", "Unlimited"))
            assertEquals(Limit.INFINITY, LimitValue.parse(s), s);
    }

    @Test void refusesBadText() {
        for (String s : List.of("", "-1", "1.5", "k", "10x", "10kk", "+5", "ten", "1 000")) {
            var e = assertThrows(IllegalArgumentException.class, () -> LimitValue.parse(s), s);
            assertEquals("invalid limit '" + s + "' (expected " + LimitValue.FORMS + ")", e.getMessage());
        }
    }

    @Test void refusesOverflow() {
        for (String s : List.of(Long.toString(Long.MAX_VALUE), "9999999999999999999", "9000000000G", "9223372036854776k")) {
            var e = assertThrows(IllegalArgumentException.class, () -> LimitValue.parse(s), s);
            assertEquals("limit '" + s + "' is too large (use inf for no limit)", e.getMessage());
        }
    }

    @Test void formatReadsBack() {
        assertEquals("inf", LimitValue.format(Limit.INFINITY));
        assertEquals("5120", LimitValue.format(5120));
        for (long v : new long[] {0, 1, 4096, Long.MAX_VALUE - 1, Limit.INFINITY})
            assertEquals(v, LimitValue.parse(LimitValue.format(v)));
    }
}
