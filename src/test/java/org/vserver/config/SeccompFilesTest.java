package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.SeccompConfig.Change;

class SeccompFilesTest {
    @TempDir Path confdir;

    private Path g() { return confdir.resolve("web"); }

    private SeccompConfig read() throws ConfigException { return ConfigDir.read(new ConfigRoot(confdir), "web").seccomp(); }

    private void assertError(Path file, int line, String message) {
        var e = assertThrows(ConfigException.class, this::read);
        assertEquals(file + ":" + line + ": " + message, e.getMessage());
    }

    @Test void noFilesMeansTheDefault() throws Exception {
        Files.createDirectories(g());
        assertEquals(SeccompConfig.DEFAULT, read());
    }

    @Test void defaultsFirstThenTheGuestAllowBeforeDeny() throws Exception {
        Fixture.put(confdir.resolve(".defaults"), "seccomp/allow", "keyctl\n");
        Fixture.put(confdir.resolve(".defaults"), "seccomp/deny", "# no perf here\nuname ENOSYS\n");
        Fixture.put(g(), "seccomp/allow", "uname\n\n");
        Fixture.put(g(), "seccomp/deny", "keyctl\nsethostname 13\n");
        assertEquals(new SeccompConfig(false, List.of(new Change("keyctl", 0), new Change("uname", 38), new Change("uname", 0),
                new Change("keyctl", 1), new Change("sethostname", 13))), read());
    }

    @Test void disabledIsTheGuestsFlag() throws Exception {
        Fixture.put(g(), "seccomp/disabled", "");
        assertTrue(read().disabled());
    }

    @Test void anUnknownNameIsAnErrorWithFileAndLine() throws Exception {
        Fixture.put(g(), "seccomp/deny", "uname\n\nkeyctll EPERM\n");
        assertError(g().resolve("seccomp/deny"), 3,
                "unknown system call 'keyctll' (names as in the kernel's unistd headers, e.g. keyctl, uname)");
    }

    @Test void anUnknownNameInDefaultsNamesTheDefaultsFile() throws Exception {
        Files.createDirectories(g());
        Fixture.put(confdir.resolve(".defaults"), "seccomp/allow", "nosuchcall\n");
        assertError(confdir.resolve(".defaults/seccomp/allow"), 1,
                "unknown system call 'nosuchcall' (names as in the kernel's unistd headers, e.g. keyctl, uname)");
    }

    @Test void badErrnoAndExtraWordsAreErrors() throws Exception {
        Fixture.put(g(), "seccomp/deny", "uname EWHAT\n");
        assertError(g().resolve("seccomp/deny"), 1, "unknown errno 'EWHAT' (a name such as EPERM, ENOSYS, EACCES, or a number 1..4095)");
        Fixture.put(g(), "seccomp/deny", "uname 0\n");
        assertError(g().resolve("seccomp/deny"), 1, "unknown errno '0' (a name such as EPERM, ENOSYS, EACCES, or a number 1..4095)");
        Fixture.put(g(), "seccomp/deny", "uname EPERM extra\n");
        assertError(g().resolve("seccomp/deny"), 1, "expected 'SYSCALL [ERRNO]', got 'uname EPERM extra'");
        Files.delete(g().resolve("seccomp/deny"));
        Fixture.put(g(), "seccomp/allow", "uname EPERM\n");
        assertError(g().resolve("seccomp/allow"), 1, "expected one system call name per line, got 'uname EPERM'");
    }
}
