package org.vserver.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key of a cached plan is written by java ({@link PlanKey}) and checked by the launcher
 * (launcher/key.c): both must compute every input alike, or a current plan would look stale (a
 * slow start) or, worse, a stale one current. Each input is changed once here, and the launcher
 * must name it.
 */
class PlanKeyAgreementTest {
    @TempDir Path tmp;
    Path tree, cache;

    @BeforeEach
    void tree() throws Exception {
        tree = tmp.resolve("etc/web");
        Files.createDirectories(tree.resolve("apps/init"));
        Files.writeString(tree.resolve("apps/init/style"), "plain\n");
        Files.write(tree.resolve("bytes"), new byte[] {0, (byte) 0xff, 10, (byte) 0x80});
        Files.writeString(tree.resolve("B"), "upper case sorts first in byte order\n");
        Files.writeString(tree.resolve("é"), "a name beyond ASCII\n");
        Files.createFile(tree.resolve("empty"));
        Files.createDirectory(tree.resolve("empty-dir"));
        Files.createSymbolicLink(tree.resolve("vdir"), Path.of("/vservers/web"));
        new ProcessBuilder("mkfifo", tree.resolve("fifo").toString()).start().waitFor();
        cache = tmp.resolve("cache");
        Files.createDirectories(cache);
        // inputs outside the tree, so that each is the first to differ
        Files.createSymbolicLink(tmp.resolve("lower"), Path.of("../.lower/0001"));
        Files.writeString(tmp.resolve("backend"), "directory\n");
    }

    private PlanKey key() throws IOException {
        return new PlanKey()
                .input("kernel", PlanKey.kernel())
                .input("launcher", build())
                .input("cgroups", PlanKey.cgroupMounts(Path.of("/proc/self/mountinfo")))
                .input("rundir", "/run/vservers")
                .input("confdir", tmp.resolve("etc").toString())
                .input("tree", tree)
                .input("tree", tmp.resolve("no-such-dir"))
                .input("file", tree.resolve("bytes"))
                .input("file", tmp.resolve("no-such-file"))
                .input("file", tree.resolve("vdir"))                // a link is no file: "-", on both sides
                .input("link", tree.resolve("vdir"))
                .input("link", tree.resolve("bytes"))
                .input("link", tmp.resolve("lower"))
                .input("isdir", tmp.resolve("backend"))
                .input("stat", tree.resolve("bytes"))
                .input("owner", tree)
                .input("exists", tree.resolve("vdir"))
                .input("exists", tmp.resolve("nothing"))
                .input("isdir", tree.resolve("apps"))
                .input("isdir", tree.resolve("bytes"))
                .directive("name", "web")
                .directive("warn", "a directive is no input");
    }

    private static String build() throws IOException {
        Process p = new ProcessBuilder(PlanTextAgreementTest.launcher().toString(), "--version").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }

    /** What `vserver-launcher --check` says of the key in {@link #cache}. */
    private String check(Map<String, String> env) throws Exception {
        var pb = new ProcessBuilder(PlanTextAgreementTest.launcher().toString(), "--check", cache.toString()).redirectErrorStream(true);
        pb.environment().remove("VSERVER_RUNDIR");
        pb.environment().put("VSERVER_CONFDIR", tmp.resolve("etc").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(out.equals("current") ? 0 : 124, p.exitValue(), out);
        return out;
    }

    private void write(PlanKey k) throws IOException {
        Files.writeString(cache.resolve("key"), k.text());
    }

    @Test
    void everyInputJavaRecordsIsCurrentForTheLauncher() throws Exception {
        write(key());
        assertEquals("current", check(Map.of()));
    }

    @Test
    void eachChangedInputMakesThePlanStaleAndIsNamed() throws Exception {
        record Change(String names, ThrowingRunnable change, ThrowingRunnable back) {}
        Path style = tree.resolve("apps/init/style");
        var changes = new Change[] {
            new Change("tree " + tree, () -> Files.writeString(style, "sysv\n"), () -> Files.writeString(style, "plain\n")),
            new Change("tree " + tree, () -> Files.writeString(tree.resolve("new"), ""), () -> Files.delete(tree.resolve("new"))),
            new Change("tree " + tree, () -> Files.move(tree.resolve("empty"), tree.resolve("empty2")),
                    () -> Files.move(tree.resolve("empty2"), tree.resolve("empty"))),
            new Change("tree " + tree, () -> Files.createDirectory(tree.resolve("empty-dir/x")), () -> Files.delete(tree.resolve("empty-dir/x"))),
            new Change("tree " + tmp.resolve("no-such-dir"), () -> Files.createDirectory(tmp.resolve("no-such-dir")),
                    () -> Files.delete(tmp.resolve("no-such-dir"))),
            new Change("link " + tmp.resolve("lower"), () -> {
                Files.delete(tmp.resolve("lower"));
                Files.createSymbolicLink(tmp.resolve("lower"), Path.of("../.lower/0002"));
            }, () -> {
                Files.delete(tmp.resolve("lower"));
                Files.createSymbolicLink(tmp.resolve("lower"), Path.of("../.lower/0001"));
            }),
            new Change("owner " + tree, () -> Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxrwxrwx")),
                    () -> Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"))),
            new Change("isdir " + tmp.resolve("backend"), () -> {
                Files.delete(tmp.resolve("backend"));
                Files.createDirectory(tmp.resolve("backend"));
            }, () -> {
                Files.delete(tmp.resolve("backend"));
                Files.writeString(tmp.resolve("backend"), "directory\n");
            }),
        };
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Change c : changes) {
            write(key());
            assertEquals("current", check(Map.of()), "before: " + c.names());
            c.change().run();
            String said = check(Map.of());
            assertTrue(said.startsWith("stale: " + c.names() + " changed"), c.names() + ": " + said);
            c.back().run();
        }
    }

    @Test
    void bookkeepingOfOtherGuestsBuildsIsNoInput() throws Exception {
        // .defaults/context.next and the lock files change with every other guest's build
        write(key());
        Files.writeString(tree.resolve("context.next"), "40002\n");
        Files.writeString(tree.resolve("userns.lock"), "");
        Files.writeString(tree.resolve("apps/context.next.lock"), "");
        assertEquals("current", check(Map.of()));
        Files.writeString(tree.resolve("context"), "40002\n");
        assertTrue(check(Map.of()).startsWith("stale: tree " + tree), "a guest's own context is configuration");
    }

    @Test
    void aFileRewrittenWithOtherBytesOrTouchedIsStale() throws Exception {
        write(key());
        Files.write(tree.resolve("bytes"), new byte[] {0, (byte) 0xff, 10, (byte) 0x81});
        String said = check(Map.of());
        // the tree (first in the key) names it; the file's own line would too
        assertTrue(said.startsWith("stale: tree " + tree + " changed"), said);
        write(new PlanKey().input("file", tree.resolve("bytes")).input("stat", tree.resolve("bytes")));
        assertEquals("current", check(Map.of()));
        Files.setLastModifiedTime(tree.resolve("bytes"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        assertTrue(check(Map.of()).startsWith("stale: stat " + tree.resolve("bytes") + " changed"));
    }

    @Test
    void anotherKernelLauncherRunDirectoryOrCgroupLayoutIsStale() throws Exception {
        // Faked by a key compiled elsewhere: what `uname -r`, the launcher's build and the cgroup
        // mounts said there is not what they say here.
        for (String kind : new String[] {"kernel", "launcher", "cgroups"}) {
            write(new PlanKey().input(kind, "compiled-elsewhere"));
            String said = check(Map.of());
            assertTrue(said.startsWith("stale: " + kind + " changed (compiled with compiled-elsewhere, now "), said);
        }
        write(new PlanKey().input("rundir", "/run/vservers"));
        assertEquals("current", check(Map.of()));
        assertTrue(check(Map.of("VSERVER_RUNDIR", tmp.toString())).startsWith("stale: rundir changed"));
        write(new PlanKey().input("confdir", "/etc/vservers"));
        assertTrue(check(Map.of()).startsWith("stale: confdir changed"));
    }

    @Test
    void noKeyOrAnotherFormatIsStale() throws Exception {
        assertTrue(check(Map.of()).startsWith("stale: no cached plan"));
        Files.writeString(cache.resolve("key"), "vserver-plan-key 0\n");
        assertTrue(check(Map.of()).startsWith("stale: not a plan key of this version"));
        Files.writeString(cache.resolve("key"), PlanKey.MAGIC + "\nbogus-input /x 1\n");
        assertEquals("current", check(Map.of()), "an unknown word is a directive, not an input");
        Files.writeString(cache.resolve("key"), PlanKey.MAGIC + "\ntree\n");
        assertTrue(check(Map.of()).startsWith("stale: bad key line"));
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
