package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatTableTest {
    static final long S = 1_000_000_000L;
    static final long CS = 10_000_000L;                            // one hundredth of a second

    /** The rows of two real vserver-stat outputs (util-vserver 0.30.216), rebuilt from their printed values. */
    static final StatRow HOST = new StatRow(0, "", 78, 326042L * 1024, 47924L * 1024,
            ((28 * 60 + 50) * 100 + 40) * CS, (6 * 3600 + 5 * 60 + 32) * S, (4 * 86400 + 5 * 3600 + 14 * 60) * S);
    static final StatRow GUEST = new StatRow(49159, "deb-vserv1", 2, 15156L * 1024, 1434L * 1024,
            0, 0, ((29 * 60 + 9) * 100 + 20) * CS);

    @Test void goldenMatchesUtilVserver() {
        assertEquals("""
                CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME
                0       78 318.4M  46.8M  28m50s40   6h05m32   4d05h14 root server
                49159    2  14.8M   1.4M   0m00s00   0m00s00  29m09s20 deb-vserv1
                """, StatTable.format(List.of(HOST, GUEST)));
    }

    @Test void emptyTableIsTheHeader() {
        assertEquals(StatTable.HEADER + "\n", StatTable.format(List.of()));
    }

    @Test void wideNumbersKeepASeparatorAndLongNamesAreCut() {
        var row = new StatRow(65535, "a-very-long-guest-name-indeed", 12345, -1, 512, 1, 2, 3);
        assertEquals("65535 12345      -   512    0m00s00   0m00s00   0m00s00 a-very-long-guest-na",
                StatTable.format(List.of(row)).lines().toList().get(1));
    }

    @Test void memorySuffixes() {
        assertEquals("0 ", StatTable.memory(0));
        assertEquals("999 ", StatTable.memory(999));
        assertEquals("0.9K", StatTable.memory(1000));                     // util-vserver switches at 1000, not 1024
        assertEquals("1K", StatTable.memory(1024));
        assertEquals("512K", StatTable.memory(512 * 1024));
        assertEquals("2.1M", StatTable.memory(2151L * 1024));
        assertEquals("2M", StatTable.memory(2150L * 1024));                // 2.099M: the decimal is truncated
        assertEquals("1.1G", StatTable.memory(1127L * 1024 * 1024));
        assertEquals("3T", StatTable.memory(3L << 40));
        assertEquals("2+", StatTable.memory(2L << 50));
        assertEquals("-", StatTable.memory(-1));
    }

    @Test void timeFormats() {
        assertEquals("0m00s00", StatTable.time(0));
        assertEquals("0m00s12", StatTable.time(125 * 1_000_000L));        // 0.125 s: hundredths, truncated
        assertEquals("59m59s99", StatTable.time(3600 * S - 1));
        assertEquals("1h00m00", StatTable.time(3600 * S));
        assertEquals("23h59m59", StatTable.time(86400 * S - 1));
        assertEquals("1d00h00", StatTable.time(86400 * S));
        assertEquals("999d23h59", StatTable.time(1000 * 86400 * S - 1));
        assertEquals("2y270d00", StatTable.time(1000 * 86400 * S));
        assertEquals("0m00s00", StatTable.time(-5));
    }

    @Test void json() {
        assertEquals("[{\"ctx\":0,\"proc\":78,\"vsz_bytes\":333867008,\"rss_bytes\":49074176,\"user_ns\":1730400000000,"
                + "\"sys_ns\":21932000000000,\"uptime_ns\":364440000000000,\"name\":\"root server\"},"
                + "{\"ctx\":49159,\"proc\":2,\"vsz_bytes\":15519744,\"rss_bytes\":1468416,\"user_ns\":0,\"sys_ns\":0,"
                + "\"uptime_ns\":1749200000000,\"name\":\"deb-vserv1\"}]", StatTable.json(List.of(HOST, GUEST)));
        assertEquals("[]", StatTable.json(List.of()));
    }
}
