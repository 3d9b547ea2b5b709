package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class KillSeqTest {
    private static final Path F = Path.of("/etc/vservers/g/apps/init/killseq");

    private static List<Integer> parse(String text) throws ConfigException {
        return KillSeq.parse(ConfigFiles.Content.of(F, text));
    }

    @Test void numbersNamesAndLayout() throws Exception {
        assertEquals(List.of(15, 5, 9), parse("15 5 9\n"));
        assertEquals(List.of(15, 5, 9), parse("15\n5\n9\n"));
        assertEquals(List.of(15, 30, 2, 10, 9), parse("TERM 30\nsigint\t10 SIGKILL\n"));
        assertEquals(List.of(1), parse("HUP"));
        assertEquals(List.of(34), parse("34"));
    }

    @Test void errors() {
        var e = assertThrows(ConfigException.class, () -> parse("15 5\n"));
        assertEquals(F + ":1: killseq must be 'sig [wait sig]*' (an odd number of items), it ends with a wait", e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("15 5\nBOGUS\n"));
        assertEquals(F + ":2: unknown signal 'BOGUS' in killseq (use a number 1..64 or a name like TERM, SIGKILL)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("15 soon 9\n"));
        assertEquals(F + ":1: killseq wait must be whole seconds, got 'soon'", e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("0\n"));
        assertEquals(F + ":1: unknown signal '0' in killseq (use a number 1..64 or a name like TERM, SIGKILL)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("# nothing\n"));
        assertEquals(F + ":1: killseq is empty: expected 'sig [wait sig]*'", e.getMessage());
    }
}
