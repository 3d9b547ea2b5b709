package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TopTableTest {
    static final long S = 1_000_000_000L;
    static final TopSnapshot SNAP = new TopSnapshot(Instant.parse("2025-03-01T12:00:00Z"), 2.0,
            List.of(new TopGuest(0, "MAIN", 131, 3.54, 432_855_040L, (4 * 86400 + 5 * 3600 + 14 * 60) * S),
                    new TopGuest(40001, "web", 2, 100.0, 1_153_434L, 42_170_000_000L)),
            List.of(new TopProcess(1, 0, "MAIN", "root", 0, 0.0, 11_700_000L, 'S', 6_410_000_000L, "/sbin/init splash"),
                    new TopProcess(4242, 40001, "web", "www-data", 1_000_033, 99.94, 520_192L, 'R', 41_900_000_000L,
                            "sh -c while :; do :; done"),
                    new TopProcess(77, -1, "gone", "1234", 1234, 0.04, 0, 'Z', 0, "[defunct]")));

    @Test void textIsTwoAlignedTablesSplittingOnWhitespace() {
        assertEquals("""
                  XID NAME TASKS  %CPU    RSS  UPTIME
                    0 MAIN   131   3.5 412.8M 4d05h14
                40001 web      2 100.0     1M 0m42s17

                 PID   XID NAME USER     %CPU   RSS S    TIME COMMAND
                   1     0 MAIN root      0.0 11.1M S 0:06.41 /sbin/init splash
                4242 40001 web  www-data 99.9  508K R 0:41.90 sh -c while :; do :; done
                  77     ? gone 1234      0.0     0 Z 0:00.00 [defunct]
                """, TopTable.text(SNAP));
        String[] f = TopTable.text(SNAP).lines().toList().get(6).trim().split("\\s+", 9);
        assertEquals(List.of("4242", "40001", "web", "www-data", "99.9", "508K", "R", "0:41.90", "sh -c while :; do :; done"),
                List.of(f));
    }

    @Test void controlCharactersNeverReachTheTerminal() {
        var evil = new TopSnapshot(Instant.EPOCH, 0, List.of(), List.of(new TopProcess(5, 0, "MAIN", "ro ot", 0, 0, 0, 'S', 0,
                "x\033]0;pwned\007\033[2J\ty")));
        String line = TopTable.text(evil).lines().toList().get(3);
        assertTrue(line.endsWith(" MAIN ro_ot  0.0   0 S 0:00.00 x?]0;pwned??[2J?y"), line);
    }

    @Test void jsonOneObjectPerSnapshot() throws Exception {
        String json = TopTable.json(SNAP);
        assertTrue(!json.contains("\n"), "one line");
        JsonNode root = new ObjectMapper().readTree(json);
        assertEquals("2025-03-01T12:00:00Z", root.get("time").asText());
        assertEquals(2.0, root.get("interval").asDouble());
        assertEquals(40001, root.get("guests").get(1).get("xid").intValue());
        assertEquals(100.0, root.get("guests").get(1).get("cpu").doubleValue());
        assertEquals(432_855_040L, root.get("guests").get(0).get("rss").longValue());
        JsonNode hog = root.get("processes").get(1);
        assertEquals(4242, hog.get("pid").intValue());
        assertEquals("web", hog.get("name").asText());
        assertEquals("www-data", hog.get("user").asText());
        assertEquals(1_000_033L, hog.get("host_uid").longValue(), "the owner as the host sees it, next to the guest's name");
        assertEquals(99.9, hog.get("cpu").doubleValue());
        assertEquals("R", hog.get("state").asText());
        assertEquals(41_900_000_000L, hog.get("time_ns").longValue());
        assertEquals("sh -c while :; do :; done", hog.get("command").asText());
    }

    @Test void theScreenFitsTheTerminal() {
        List<String> full = TopTable.screen(SNAP, TopView.DEFAULT, 2, 50, 200);
        assertTrue(full.getFirst().startsWith("vtop "), full.getFirst());
        assertTrue(full.getFirst().contains("1 guests, 133 tasks  sort cpu  guest all  every 2s"), full.getFirst());
        assertEquals(9, full.size(), "title, header and 2 guests, blank, header and 3 processes: " + full);
        assertTrue(full.get(6).contains("4242 40001 web"), "sorted by CPU: " + full);

        List<String> small = TopTable.screen(SNAP, TopView.DEFAULT, 2, 7, 30);
        assertEquals(7, small.size(), small.toString());
        for (String l : small) assertTrue(l.length() <= 30, l);
        assertTrue(small.get(6).startsWith("4242 "), "room for one process, the busiest: " + small);

        List<String> web = TopTable.screen(SNAP, new TopView(TopSort.PID, OptionalInt.of(40001)), 0.5, 50, 200);
        assertTrue(web.getFirst().contains("sort pid  guest web  every 0.5s"), web.getFirst());
        assertEquals(7, web.size(), "only the guest's process: " + web);
        assertTrue(web.get(6).startsWith("4242 40001 web"), web.toString());
    }

    @Test void timesAndPercents() {
        assertEquals("0:00.99", TopTable.time(990_000_000L));
        assertEquals("123:05.00", TopTable.time((123 * 60 + 5) * S));
        assertEquals("0.0", TopTable.percent(0.04));
        assertEquals("200.0", TopTable.percent(199.96));
    }
}
