package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopSamplerTest {
    static final long SECOND = 1_000_000_000L;
    static final List<TopContext> WEB = List.of(new TopContext(40001, "web", 1500));

    @TempDir Path root;
    ProcFixture proc;
    TopSampler sampler;

    @BeforeEach void setUp() {
        proc = new ProcFixture(root);
        sampler = new TopSampler(new ProcScan(root, "vservers"), uid -> "u" + uid);
    }

    private static Map<Integer, TopProcess> byPid(TopSnapshot s) {
        return s.processes().stream().collect(Collectors.toMap(TopProcess::pid, Function.identity()));
    }

    private String me() throws IOException {
        return "u" + myUid();
    }

    private long myUid() throws IOException {
        return Integer.toUnsignedLong((Integer) Files.getAttribute(root, "unix:uid"));
    }

    @Test void firstPassIsTheLifetimeAverageThenTheIntervalCounts() throws IOException {
        proc.uptime(2000)
                .process(1, "init", 'S', 30, 10, 1, 100, "/", "/sbin/init\0")
                .process(300, "sh", 'R', 400, 100, 1000, 50, "/vservers/web", "sh\0-c\0while :; do :; done\0");
        TopSnapshot first = sampler.next(WEB, Instant.EPOCH, 5 * SECOND);
        assertEquals(0, first.intervalSeconds());
        assertEquals(50.0, byPid(first).get(300).cpuPercent(), 1e-9, "500 ticks in the 1000 since it started");
        assertEquals(40.0 / 1999 * 100, byPid(first).get(1).cpuPercent(), 1e-9);

        proc.uptime(2100)
                .process(1, "init", 'S', 30, 10, 1, 100, "/", "/sbin/init\0")
                .process(300, "sh", 'R', 470, 110, 1000, 50, "/vservers/web", "sh\0-c\0while :; do :; done\0")
                .process(301, "sleep", 'S', 0, 5, 2050, 20, "/vservers/web/inner", "sleep\0");
        TopSnapshot second = sampler.next(WEB, Instant.EPOCH.plusSeconds(1), 6 * SECOND);
        assertEquals(1.0, second.intervalSeconds(), 1e-9);
        Map<Integer, TopProcess> p = byPid(second);
        assertEquals(80.0, p.get(300).cpuPercent(), 1e-9, "80 ticks in one second");
        assertEquals(0.0, p.get(1).cpuPercent(), 1e-9);
        assertEquals(5.0, p.get(301).cpuPercent(), 1e-9, "born in the interval: all its ticks count");
        assertEquals(new TopProcess(300, 40001, "web", me(), myUid(), 80.0, 50 * 4096, 'R', 580 * 10_000_000L,
                "sh -c while :; do :; done"), p.get(300));
    }

    @Test void aRecycledPidStartsAfresh() throws IOException {
        proc.uptime(2000).process(7, "old", 'S', 900, 0, 10, 1, "/", "old\0");
        sampler.next(List.of(), Instant.EPOCH, 0);
        proc.uptime(2200).process(7, "new", 'S', 50, 0, 2100, 1, "/", "new\0");
        TopProcess p = sampler.next(List.of(), Instant.EPOCH, 2 * SECOND).processes().getFirst();
        assertEquals("new", p.command());
        assertEquals(25.0, p.cpuPercent(), 1e-9, "50 ticks in 2 s, not 50 - 900");
    }

    @Test void vanishedAndHalfGoneProcessesAreLeftOut() throws IOException {
        proc.uptime(1000).process(1, "init", 'S', 1, 1, 1, 1, "/", "init\0").process(2, "x", 'S', 1, 1, 1, 1, "/", "x\0");
        assertEquals(2, sampler.next(List.of(), Instant.EPOCH, 0).processes().size());
        proc.gone(2);
        Files.createDirectories(root.resolve("3"));                         // listed, then gone before its stat was read
        Files.createDirectories(root.resolve("4"));
        Files.writeString(root.resolve("4/stat"), "4 (torn");               // a half-written or odd stat line
        Files.createDirectories(root.resolve("self"));                      // not a pid
        List<TopProcess> left = sampler.next(List.of(), Instant.EPOCH, SECOND).processes();
        assertEquals(List.of(1), left.stream().map(TopProcess::pid).toList());
    }

    @Test void commandLinesAndKernelThreads() throws IOException {
        proc.uptime(1000).process(2, "kthreadd", 'S', 0, 0, 1, 0, "/", "").process(9, "a b", 'Z', 0, 0, 1, 0, "/", "");
        Map<Integer, TopProcess> p = byPid(sampler.next(List.of(), Instant.EPOCH, 0));
        assertEquals("[kthreadd]", p.get(2).command());
        assertEquals("[a b]", p.get(9).command());
        assertEquals('Z', p.get(9).state());
    }

    @Test void summaryPerContextHostFirstThenGuestsByXid() throws IOException {
        var guests = List.of(new TopContext(40002, "db", 1800), new TopContext(40001, "web", 1500));
        proc.uptime(2000)
                .process(1, "init", 'S', 0, 0, 1, 100, "/", "init\0")
                .process(300, "sh", 'R', 1000, 0, 1000, 50, "/vservers/web", "sh\0")
                .process(301, "init", 'S', 0, 0, 1500, 25, "/vservers/web", "init\0")
                .process(400, "stray", 'S', 0, 0, 1900, 7, "/vservers/stopped", "stray\0");
        TopSnapshot s = sampler.next(guests, Instant.EPOCH, 0);
        assertEquals(List.of(
                new TopGuest(0, "MAIN", 1, 0.0, 100 * 4096, 2000 * 10_000_000L),
                new TopGuest(40001, "web", 2, 100.0, 75 * 4096, 500 * 10_000_000L),
                new TopGuest(40002, "db", 0, 0.0, 0, 200 * 10_000_000L)), s.guests());
        TopProcess stray = byPid(s).get(400);
        assertEquals(-1, stray.xid(), "a guest cgroup whose guest is not running");
        assertEquals("stopped", stray.context());
    }

    @Test void theRealProcHasThisJvmOnTheHost() throws IOException {
        var real = new TopSampler(new ProcScan(Path.of("/proc"), "vservers-none-" + ProcessHandle.current().pid()),
                Integer::toString);
        real.next(List.of(), Instant.now(), System.nanoTime());
        TopSnapshot s = real.next(List.of(), Instant.now(), System.nanoTime());
        TopProcess me = byPid(s).get((int) ProcessHandle.current().pid());
        assertEquals(0, me.xid());
        assertEquals("MAIN", me.context());
        assertTrue(me.rssBytes() > 0 && me.cpuNanos() > 0, me.toString());
        assertTrue(s.guests().getFirst().tasks() >= 2, s.guests().toString());
    }
}
