package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.vserver.unify.Hashify.Outcome;

class HashifyProgressTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream(), out = new ByteArrayOutputStream();

    private HashifyProgress progress(boolean terminal, boolean verbose, boolean dry) {
        return new HashifyProgress(new PrintStream(err, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8), terminal, verbose, dry);
    }

    private static void feed(HashifyProgress p, boolean dry) {
        p.planned(3, 3 << 20);
        p.file("/usr/bin/foo", 1 << 20, 1 << 20, dry ? Outcome.WOULD_LINK : Outcome.LINKED);
        p.file("/usr/bin/bar", 1 << 20, 0, dry ? Outcome.WOULD_BECOME_MASTER : Outcome.MASTER);
        p.file("/usr/bin/baz", 1 << 20, 0, Outcome.ALREADY_LINKED);
        p.close();
    }

    @Test
    void notATerminalGivesOneSummaryLine() {
        feed(progress(false, false, false), false);
        assertEquals("hashify: 3 files (3.0 MiB) examined, 1 linked, 1.0 MiB saved, 1 added to the store\n",
                err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verboseDryRunPrintsOneLinePerFile() {
        feed(progress(true, true, true), true);
        assertEquals("would link /usr/bin/foo\nwould store /usr/bin/bar\n", out.toString(StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals("hashify: 3 files (3.0 MiB) examined, 1 to link, 1.0 MiB to save, 1 to add to the store\n", e);
    }

    @Test
    void terminalDrawsABarThenTheSummary() {
        feed(progress(true, false, false), false);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("hashify"), e);
        assertTrue(e.contains("MiB saved"), e);
        assertTrue(e.contains("3/3"), e);
        assertTrue(e.endsWith("1 added to the store\n"), e);
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("would"));
    }
}
