package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
    @TempDir Path dir;

    private ConfigFiles files() { return new ConfigFiles(dir.resolve("g"), dir.resolve(".defaults")); }

    @Test void scalarIsTheFirstLineStripped() throws Exception {
        Fixture.put(dir, "g/x", "  hello world \t\nsecond\n");
        var l = files().guest("x").orElseThrow().scalar();
        assertEquals("hello world", l.text());
        assertEquals(1, l.number());
        Fixture.put(dir, "g/empty", "");
        assertEquals("", files().guest("empty").orElseThrow().scalar().text());
        var e = assertThrows(ConfigException.class, () -> files().guest("empty").orElseThrow().nonEmptyScalar());
        assertEquals(dir.resolve("g/empty") + ":1: empty value", e.getMessage());
    }

    @Test void listSkipsBlankAndCommentLinesAndKeepsLineNumbers() throws Exception {
        Fixture.put(dir, "g/l", "# comment\na\n\n  b  \n   # indented comment\nc");
        var items = files().guest("l").orElseThrow().items();
        assertEquals(List.of("a", "b", "c"), items.stream().map(ConfigFiles.Line::text).toList());
        assertEquals(List.of(2, 4, 6), items.stream().map(ConfigFiles.Line::number).toList());
    }

    @Test void booleanIsExistence() {
        assertFalse(files().flag("f"));
        Fixture.put(dir, "g/f", "");
        assertTrue(files().flag("f"));
    }

    @Test void hashReadsVarValLinesAndNamesBadOnes() throws Exception {
        Fixture.put(dir, "g/env", "# env\nA=1\nB=x=y\n\nC=\n");
        assertEquals(Map.of("A", "1", "B", "x=y", "C", ""), files().guest("env").orElseThrow().hash());
        Fixture.put(dir, "g/env", "A=1\nnot a pair\n");
        var e = assertThrows(ConfigException.class, () -> files().guest("env").orElseThrow().hash());
        assertEquals(dir.resolve("g/env") + ":2: expected VAR=VALUE, got 'not a pair'", e.getMessage());
        Fixture.put(dir, "g/env", "1A=1\n");
        e = assertThrows(ConfigException.class, () -> files().guest("env").orElseThrow().hash());
        assertEquals(dir.resolve("g/env") + ":1: invalid variable name '1A'", e.getMessage());
    }

    @Test void lookupFallsBackToDefaults() throws Exception {
        assertTrue(files().lookup("shell").isEmpty());
        Fixture.put(dir, ".defaults/shell", "/bin/sh\n");
        assertEquals(dir.resolve(".defaults/shell"), files().lookup("shell").orElseThrow().file());
        Fixture.put(dir, "g/shell", "/bin/bash\n");
        assertEquals("/bin/bash", files().lookup("shell").orElseThrow().scalar().text());
    }

    @Test void lookupFirstPrefersAnyGuestFileOverDefaults() throws Exception {
        Fixture.put(dir, ".defaults/a.start", "5\n");
        Fixture.put(dir, "g/a", "2\n");
        assertEquals("2", files().lookupFirst("a.start", "a").orElseThrow().scalar().text());
        Fixture.put(dir, "g/a.start", "4\n");
        assertEquals("4", files().lookupFirst("a.start", "a").orElseThrow().scalar().text());
    }

    @Test void directoryWhereAFileIsExpectedIsAnError() throws Exception {
        Files.createDirectories(dir.resolve("g/context"));
        var e = assertThrows(ConfigException.class, () -> files().guest("context"));
        assertEquals(dir.resolve("g/context") + ": is a directory, expected a file", e.getMessage());
    }

    @Test void writeAtomicallyReplacesAndLeavesNoTemporaryFiles() throws Exception {
        Path f = dir.resolve("sub/file");
        ConfigFiles.writeAtomically(f, "one\n");
        ConfigFiles.writeAtomically(f, "two\n");
        assertEquals("two\n", Files.readString(f));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var s = Files.list(dir.resolve("sub"))) { assertEquals(1, s.count()); }
    }
}
