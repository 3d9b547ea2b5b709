package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * vtop through bin/ with two running guests, one of them spinning a CPU hog: the batch text and
 * JSON name every context with its xid and show the hog in its guest at a CPU's worth.
 */
@RequiresRoot("starts real guests")
class VtopIT {
    static final String HOG = "sh -c while :; do :; done";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestHost host;
    static String busy, idle;
    static int busyXid, idleXid;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        busy = host.build("vtop-busy");
        idle = host.build("vtop-idle");
        busyXid = xid(busy);
        idleXid = xid(idle);
        host.start(busy);
        host.start(idle);
        // The host is shared with other test runs: the most CPU weight v1 allows, for the guest and
        // for this run's parent cgroup, so the hog gets a whole CPU however busy the host is and
        // "> 50%" judges vtop, not the neighbours.
        Path cpu = Path.of("/sys/fs/cgroup/cpu", host.cgroupParent);
        Files.writeString(cpu.resolve("cpu.shares"), "262144\n");
        Files.writeString(cpu.resolve(busy).resolve("cpu.shares"), "262144\n");
        host.sh(busy, "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host == null) return;
        try {
            for (String g : new String[] {busy, idle}) {
                if (g != null && host.guests.running(g).isPresent()) {
                    host.stop(g);
                    host.assertNothingLeftOf(g);
                }
            }
        } finally {
            host.close();
        }
    }

    private static int xid(String g) throws Exception {
        return Integer.parseInt(Files.readString(host.confdir.resolve(g).resolve("context")).strip());
    }

    /** One batch snapshot: summary rows and process rows, each split on whitespace (COMMAND kept whole). */
    record Snapshot(List<String[]> guests, List<String[]> processes) {}

    /** Parses vtop's batch text: a summary table, a blank line, a process table; snapshots separated by a blank line. */
    static List<Snapshot> parse(String text) {
        List<Snapshot> out = new ArrayList<>();
        List<String[]> rows = null;
        for (String line : text.lines().toList()) {
            String[] f = line.trim().split("\\s+", 9);
            if (line.isBlank()) continue;
            if (f[0].equals("XID")) {
                assertEquals(List.of("XID", "NAME", "TASKS", "%CPU", "RSS", "UPTIME"), List.of(f), line);
                out.add(new Snapshot(new ArrayList<>(), new ArrayList<>()));
                rows = out.getLast().guests();
            } else if (f[0].equals("PID")) {
                assertEquals(List.of("PID", "XID", "NAME", "USER", "%CPU", "RSS", "S", "TIME", "COMMAND"), List.of(f), line);
                rows = out.getLast().processes();
            } else {
                assertTrue(rows != null, "a row before any header: " + line);
                rows.add(f);
            }
        }
        return out;
    }

    @Test
    void batchShowsEveryContextAndTheHogInItsGuest() throws Exception {
        var r = host.cli("vtop", "-b", "-n", "2", "-d", "0.5");
        assertEquals(0, r.code(), r.toString());
        assertFalse(r.out().contains("\033"), "no escapes in batch mode");
        assertTrue(r.out().contains("\n\n  PID") || r.out().contains("\n\nPID") || r.out().matches("(?s).*\n\n\\s*PID.*"),
                "a blank line before the process table:\n" + r.out());
        List<Snapshot> snaps = parse(r.out());
        assertEquals(2, snaps.size(), r.out());
        for (Snapshot s : snaps) {
            Map<String, String[]> byXid = new HashMap<>();
            for (String[] g : s.guests()) byXid.put(g[0], g);
            assertEquals("MAIN", byXid.get("0")[1], "the host is context 0: " + r.out());
            assertEquals(busy, byXid.get(Integer.toString(busyXid))[1], r.out());
            assertEquals(idle, byXid.get(Integer.toString(idleXid))[1], r.out());
            assertTrue(Integer.parseInt(byXid.get(Integer.toString(idleXid))[2]) >= 1, "the idle guest's init counts");
            assertEquals(3, s.guests().size(), "host + two guests: " + r.out());
        }
        String[] hog = snaps.get(1).processes().stream().filter(p -> p[8].equals(HOG)).findFirst()
                .orElseThrow(() -> new AssertionError("no hog in\n" + r.out()));
        assertEquals(Integer.toString(busyXid), hog[1], String.join(" ", hog));
        assertEquals(busy, hog[2], String.join(" ", hog));
        assertTrue(Double.parseDouble(hog[4]) > 50, "the hog spins a CPU: " + String.join(" ", hog));
        assertEquals(hog, snaps.get(1).processes().getFirst(), "sorted by %CPU, the hog first");
        String[] busyRow = snaps.get(1).guests().stream().filter(g -> g[1].equals(busy)).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(busyRow[3]) > 50, "the guest's CPU% holds its hog's: " + String.join(" ", busyRow));
        for (String[] p : snaps.get(1).processes()) {
            if (p[2].equals(idle)) assertEquals(Integer.toString(idleXid), p[1], String.join(" ", p));
        }

        var plain = host.cli("vtop", "-n", "1");
        assertEquals(0, plain.code(), plain.toString());
        assertFalse(plain.out().contains("\033"), "stdout is no terminal: batch");
        assertEquals(1, parse(plain.out()).size(), plain.out());
    }

    @Test
    void jsonIsOneObjectPerSnapshot() throws Exception {
        var r = host.cli("vtop", "-b", "-n", "2", "-d", "0.5", "--json");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        JsonNode second = JSON.readTree(lines.get(1));
        assertTrue(second.get("time").isTextual());
        assertTrue(second.get("interval").asDouble() >= 0.5, lines.get(1));
        Map<Integer, String> contexts = new HashMap<>();
        for (JsonNode g : second.get("guests")) contexts.put(g.get("xid").intValue(), g.get("name").asText());
        assertEquals(Map.of(0, "MAIN", busyXid, busy, idleXid, idle), contexts);
        JsonNode hog = null;
        for (JsonNode p : second.get("processes")) if (HOG.equals(p.get("command").asText())) hog = p;
        assertTrue(hog != null, "no hog in " + lines.get(1));
        assertEquals(busyXid, hog.get("xid").intValue());
        assertEquals(busy, hog.get("name").asText());
        assertTrue(hog.get("cpu").doubleValue() > 50, hog.toString());
        assertTrue(hog.get("rss").longValue() > 0 && hog.get("time_ns").longValue() > 0, hog.toString());
    }

    @Test
    void helpAndBadArguments() throws Exception {
        var help = host.cli("vtop", "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.out().contains("-d, --delay=SECONDS"), help.out());
        assertTrue(help.out().contains("(XID NAME TASKS %CPU RSS UPTIME)"), help.out());
        assertEquals("", help.err(), "picocli formats the description without complaint");
        var zero = host.cli("vtop", "-b", "-d", "0");
        assertEquals(2, zero.code(), zero.toString());
        assertEquals("vtop: -d wants a number of seconds above 0, not 0.0 (see --help)", zero.err().strip());
    }
}
