package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkeletonMethodTest {
    /** The build's parser with this JVM's $PATH, as the composition root passes it. */
    private static BuildMethod parse(String method, List<String> args) throws BuildException {
        return BuildMethods.parse(method, args, SearchPath.fromEnvironment(System.getenv()));
    }


    @Test
    void runsTheCommandInTheVdirWithVdirSet(@TempDir Path tmp) throws Exception {
        Path vdir = tmp.resolve("s1");
        var method = (SkeletonMethod) parse("skeleton",
                List.of("--", "sh", "-c", "printf %s \"$VDIR\" > from-command; echo done"));
        StringBuilder log = new StringBuilder();

        BuildResult r = method.build(Shell.request(vdir, tmp, log));

        assertEquals(vdir.toRealPath().toString(), Files.readString(vdir.resolve("from-command")));
        assertTrue(log.toString().contains("\ndone\n"), log.toString());
        assertEquals(BuildResult.DEFAULT_FSTAB, r.fstab());
        assertEquals("plain", r.initStyle());
        assertTrue(Files.isDirectory(vdir.resolve("proc")));
    }

    @Test
    void aFailingCommandIsReportedWithItsExitCodeAndOutput(@TempDir Path tmp) throws Exception {
        var method = (SkeletonMethod) parse("skeleton", List.of("sh", "-c", "echo oops >&2; exit 3"));

        BuildException e = assertThrows(BuildException.class,
                () -> method.build(Shell.request(tmp.resolve("s2"), tmp, new StringBuilder())));

        assertEquals("build -m skeleton: `sh -c 'echo oops >&2; exit 3'` failed with exit code 3; last output:\n  oops",
                e.getMessage());
    }
}
