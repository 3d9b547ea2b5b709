package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatTest {
    static final String TAIL = " 1 4242 4242 0 -1 4194560 120 0 0 0 37 12 0 0 20 0 1 0 49567 3133440 359"
            + " 18446744073709551615 94214004940800 94214004960681 140721366701200 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    @Test void parsesTheFieldsAfterTheLastParenthesis() {
        ProcStat s = ProcStat.parse("4242 ((a) b)) S" + TAIL);
        assertEquals(new ProcStat(4242, "(a) b)", 'S', 1, 37, 12, 49567, 3133440, 359), s);
        assertEquals(370_000_000L, s.utimeNanos());
        assertEquals(120_000_000L, s.stimeNanos());
        assertEquals(359L * 4096, s.rssBytes());
    }

    @Test void commWithSpacesAndAFakeFieldList() {
        ProcStat s = ProcStat.parse("7 (x) R 99 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 1 1 1) Z" + TAIL);
        assertEquals("x) R 99 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 1 1 1", s.comm());
        assertEquals('Z', s.state());
        assertEquals(1, s.ppid());
    }

    @Test void aPlainLineFromThisKernel() {
        ProcStat s = ProcStat.parse("4679 (cat) R 4667 4667 2403 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 49567 3133440 359 "
                + "18446744073709551615 94214004940800 94214004960681 140721366701200 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
                + "94214004976688 94214004978304 94214162997248 140721366702816 140721366702836 140721366702836 140721366704107 0\n");
        assertEquals(new ProcStat(4679, "cat", 'R', 4667, 0, 0, 49567, 3133440, 359), s);
    }

    @Test void malformedLinesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("12 no parens S 1"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("12 (short) S 1 2 3"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("12 (nan) S x" + TAIL));
    }

    @Test void readFromAFixtureAndAGoneProcessIsEmpty(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/stat"), "4242 ((a) b)) S" + TAIL);
        assertEquals("(a) b)", ProcStat.read(proc, 4242).orElseThrow().comm());
        assertEquals(Optional.empty(), ProcStat.read(proc, 4243));
    }

    @Test void aBrokenFileIsAnErrorNamingIt(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("5"));
        Files.writeString(proc.resolve("5/stat"), "garbage");
        var e = assertThrows(IOException.class, () -> ProcStat.read(proc, 5));
        assertTrue(e.getMessage().startsWith("read(`" + proc.resolve("5/stat") + "`) failed: "), e.getMessage());
    }

    @Test void thisJvmOnTheRealProc() throws IOException {
        ProcessHandle me = ProcessHandle.current();
        ProcStat s = ProcStat.read(Path.of("/proc"), (int) me.pid()).orElseThrow();
        assertEquals(me.pid(), s.pid());
        assertEquals(me.parent().orElseThrow().pid(), s.ppid());
        assertTrue(s.vsize() > 0 && s.rss() > 0, s.toString());
    }

    @Test void guestProcessIsNotFooledByPidReuse(@TempDir Path proc) throws IOException {
        ProcStat then = ProcStat.parse("4242 (init) S" + TAIL);
        GuestProcess init = GuestProcess.of(then);
        assertEquals(new GuestProcess(4242, 49567), init);
        assertTrue(init.isStill(then));
        assertFalse(init.isStill(new ProcStat(4242, "init", 'S', 1, 0, 0, 99999, 0, 0)), "same pid, later start: a successor");
        assertFalse(init.isStill(new ProcStat(4243, "init", 'S', 1, 0, 0, 49567, 0, 0)));

        assertFalse(init.exists(proc));
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/stat"), "4242 (init) S" + TAIL);
        assertTrue(init.exists(proc));
        assertTrue(init.isAlive(proc));
        Files.writeString(proc.resolve("4242/stat"), "4242 (init) Z" + TAIL);
        assertTrue(init.exists(proc), "a zombie is still the process (its exit status is to be read)");
        assertFalse(init.isAlive(proc), "but a zombie init is no running guest");
        Files.writeString(proc.resolve("4242/stat"), "4242 (init) S" + TAIL.replace(" 49567 ", " 50000 "));
        assertFalse(init.exists(proc));
        assertFalse(init.isAlive(proc));
    }

    @Test void procClockFromBtime(@TempDir Path proc) throws IOException {
        Files.writeString(proc.resolve("stat"), "cpu  1 2 3 4\nintr 0\nctxt 5\nbtime 1700000000\nprocesses 9\n");
        ProcClock clock = ProcClock.read(proc);
        assertEquals(Instant.ofEpochSecond(1700000000), clock.bootTime());
        assertEquals(Instant.ofEpochSecond(1700000002, 500_000_000), clock.started(250));
        assertEquals(Duration.ofMillis(7500), clock.uptime(250, Instant.ofEpochSecond(1700000010)));
        assertEquals(Duration.ZERO, clock.uptime(250, Instant.ofEpochSecond(1700000001)));
    }

    @Test void procClockOfThisHost() throws IOException {
        ProcClock clock = ProcClock.read(Path.of("/proc"));
        assertTrue(clock.bootTime().isBefore(Instant.now()));
    }
}
