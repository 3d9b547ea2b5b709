package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.guest.GuestDelete;
import org.vserver.testsupport.RequiresRoot;

/**
 * A hostile guest root preparing its own tree for the admin's next routine command (issue 11, A):
 * the admin clones the running guest while a swapper in it exchanges directories with links to a
 * host path; the admin runs {@code suexec} on a guest whose /etc leads to the host or whose passwd
 * flips to /dev/zero; the admin clones a guest with a 2 GiB sparse file. Each attack that works
 * fails its test.
 */
@RequiresRoot("starts real guests")
class HostileCloneIT {
    static final String SRC = "hc-src";
    /** Directory/link pairs the swapper exchanges in one loop: each gives cp a chance per clone. */
    static final int PAIRS = 16;
    static final int CLONES = 6;
    /** Files in each swapped directory, and in the decoy under the same names. */
    static final int FILES = 40;

    static TestHost host;
    static Path swapper;
    /** A host directory the guest knows only by name: its etc/passwd carries the marker. */
    static Path decoy;
    static String marker;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        marker = "DECOY-" + host.id;
        decoy = Files.createDirectories(host.root.resolve("decoy/etc")).getParent();
        Files.writeString(decoy.resolve("etc/passwd"), "hostonly:x:4242:4242:" + marker + ":/:/bin/sh\n");
        for (int j = 0; j < FILES; j++) Files.writeString(decoy.resolve("f" + j), marker + "\n");   // every name cp looks for
        Path src = host.root.resolve("swapper.c");
        // renameat2(RENAME_EXCHANGE): both names always exist, one a directory (or file), the other a
        // link, and they trade places atomically. "-f": as fast as the CPU allows. "-o": each time the
        // directory itself is opened (inotify IN_OPEN on the directory's inode, wherever it is now):
        // cp has just opened it to list it, and will now copy each entry by its path, through the link.
        Files.writeString(src, """
                #define _GNU_SOURCE
                #include <fcntl.h>
                #include <string.h>
                #include <unistd.h>
                #include <sys/inotify.h>
                #include <sys/syscall.h>
                static void swap(char *a, char *b) { syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */); }
                int main(int argc, char **argv) {
                    char **pair = argv + 2;
                    int n = (argc - 2) / 2;
                    if (strcmp(argv[1], "-f") == 0)
                        for (;;) for (int i = 0; i < n; i++) swap(pair[2 * i], pair[2 * i + 1]);
                    int in = inotify_init1(0), wd[256];
                    for (int i = 0; i < n && i < 256; i++) wd[i] = inotify_add_watch(in, pair[2 * i], IN_OPEN);
                    char buf[65536] __attribute__((aligned(8)));
                    for (;;) {
                        ssize_t len = read(in, buf, sizeof buf);
                        int hit[256] = {0};
                        for (char *p = buf; len > 0 && p < buf + len; ) {
                            struct inotify_event *e = (struct inotify_event *) p;
                            for (int i = 0; i < n; i++) if (e->wd == wd[i] && e->len == 0) hit[i] = 1;
                            p += sizeof *e + e->len;
                        }
                        for (int i = 0; i < n; i++) if (hit[i]) swap(pair[2 * i], pair[2 * i + 1]);
                    }
                }
                """);
        swapper = host.root.resolve("swapper");
        TestHost.Result r = HostProbe.run("gcc", "-static", "-O2", "-o", swapper.toString(), src.toString());
        if (r.code() != 0)
            fail("gcc -static could not build the swapper (needs gcc and glibc's static libc.a: apt-get install gcc libc6-dev):\n" + r);
        host.build(SRC);
        Files.copy(swapper, host.guestsDir.resolve(SRC).resolve("root/swapper"));
        Files.setPosixFilePermissions(host.guestsDir.resolve(SRC).resolve("root/swapper"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        host.start(SRC);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host != null) host.closeAfterStopping(SRC);
    }

    /** Starts the swapper in the source guest in {@code mode} on {@code pairs} (guest paths); its pid in the guest. */
    private static String startSwapper(String mode, List<String> pairs) throws Exception {
        return host.sh(SRC, "/root/swapper " + mode + " " + String.join(" ", pairs) + " </dev/null >/dev/null 2>&1 & echo $!").strip();
    }

    private static boolean frozen(String guest) throws IOException {
        return host.vs.cgroups().counters(guest).frozen();
    }

    private static void delete(String guest) throws Exception {
        new GuestDelete(host.guests).delete(guest, false);
    }

    /** Regular files under {@code dir} (links not followed) whose contents carry the decoy's marker. */
    private static List<Path> withMarker(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return found;
        try (var w = Files.walk(dir)) {
            for (Path p : w.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList())
                if (Files.readString(p, StandardCharsets.ISO_8859_1).contains(marker)) found.add(p);
        }
        return found;
    }

    @Test
    void aCloneOfARunningGuestNeverCopiesWhatASwappedLinkPointsAt() throws Exception {
        Path vdir = host.guestsDir.resolve(SRC);
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            Path d = Files.createDirectories(vdir.resolve("srv/flip/d" + i + "/etc"));
            Files.writeString(d.resolve("passwd"), "guest:x:1:1::/:/bin/sh\n");
            for (int j = 0; j < FILES; j++) Files.writeString(d.getParent().resolve("f" + j), "guest file\n");
            // absolute: on the host it is the decoy, in the guest it leads nowhere
            Files.createSymbolicLink(vdir.resolve("srv/flip/l" + i), decoy);
            pairs.addAll(List.of("/srv/flip/d" + i, "/srv/flip/l" + i));
        }
        String pid = startSwapper("-o", pairs);
        try {
            for (int n = 0; n < CLONES; n++) {
                String g = "hc-c" + n;
                List<String> cmd = new ArrayList<>(List.of("vserver", g, "build", "-m", "clone", "--", "--source", SRC));
                if (n % 2 == 1) cmd.addAll(List.of("-X", "var/cache"));       // the tar path too
                TestHost.Result r = host.cli(cmd.toArray(String[]::new));
                List<Path> leaked = withMarker(host.guestsDir.resolve(g));
                assertEquals(List.of(), leaked, "clone " + n + " (" + String.join(" ", cmd) + ") copied the host's decoy"
                        + " " + decoy + "/etc/passwd into the new guest:\n" + r);
                assertEquals(0, r.code(), "a clone of a running guest succeeds: " + String.join(" ", cmd) + "\n" + r);
                assertFalse(frozen(SRC), "the source runs again after clone " + n);
                delete(g);
            }
            host.sh(SRC, "kill -0 " + pid);       // the swapper was paused, not killed
        } finally {
            host.sh(SRC, "kill " + pid + " || true");
        }
    }

    @Test
    void aFailedCloneThawsTheSource() throws Exception {
        Path vdir = host.guestsDir.resolve(SRC);
        Path hosts = vdir.resolve("etc/hosts");
        Path aside = vdir.resolve("etc/hosts.aside");
        Files.move(hosts, aside);
        Files.createDirectories(hosts.resolve("x"));  // the new guest's skeleton cannot replace a non-empty directory
        try {
            TestHost.Result r = host.cli("vserver", "hc-fail", "build", "-m", "clone", "--", "--source", SRC);
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("etc/hosts"), r.err());
            assertFalse(frozen(SRC), "the source runs again after a failed clone");
            assertFalse(Files.exists(host.guestsDir.resolve("hc-fail")), "the failed clone left nothing");
        } finally {
            Files.delete(hosts.resolve("x"));
            Files.delete(hosts);
            Files.move(aside, hosts);
        }
    }

    /** Enough files in the source that its copy takes a while (seconds): srv/many. */
    private static Path manyFiles() throws IOException {
        Path many = Files.createDirectories(host.guestsDir.resolve(SRC).resolve("srv/many"));
        for (int i = 0; i < 20000; i++) Files.writeString(many.resolve("f" + i), "x");
        return many;
    }

    /** Waits until the clone has frozen its source. */
    private static void awaitFrozen(Process clone) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!frozen(SRC)) {
            if (!clone.isAlive() || System.nanoTime() > deadline)
                fail("the clone never froze its running source:\n" + new String(clone.getInputStream().readAllBytes()));
            Thread.sleep(5);
        }
    }

    /**
     * The processes in any of the guest's cgroups: a joining process writes one cgroup.procs after
     * the other, and stops in the freezer's as soon as it has written that one.
     */
    private static List<Integer> inAnyCgroupOf(String guest) throws IOException {
        var pids = new java.util.TreeSet<Integer>();
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path procs = h.resolve(host.cgroupParent).resolve(guest).resolve("cgroup.procs");
                if (Files.isRegularFile(procs))
                    for (String l : Files.readAllLines(procs)) if (!l.isBlank()) pids.add(Integer.parseInt(l.strip()));
            }
        }
        return List.copyOf(pids);
    }

    @Test
    void aCloneKilledBySigtermThawsTheSource() throws Exception {
        Path many = manyFiles();
        Process p = host.spawnIn(null, "vserver", "hc-term", "build", "-m", "clone", "--", "--source", SRC);
        try {
            awaitFrozen(p);
            p.toHandle().destroy();                 // SIGTERM to the JVM (bin/vserver execs java)
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the clone's JVM ends on SIGTERM");
            assertFalse(frozen(SRC), "the source was thawed on SIGTERM");
            // the JVM is gone, so its children are no longer its descendants: look for them by what they work on
            String target = host.guestsDir.resolve("hc-term").toString();
            assertEquals(List.of(), ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(target))
                    .map(h -> h.pid() + " " + h.info().commandLine().orElse("")).toList(), "no copy left behind");
        } finally {
            p.destroyForcibly();
            HostProbe.ok("rm", "-rf", "--one-file-system", many.toString(), host.guestsDir.resolve("hc-term").toString());
            if (Files.exists(host.confdir.resolve("hc-term"))) delete("hc-term");
        }
    }

    @Test
    void aProcessThatJoinsTheSourceDuringTheCopyWaitsUntilItIsDone() throws Exception {
        Path many = manyFiles();
        Path mark = host.guestsDir.resolve(SRC).resolve("root/joined");
        Files.deleteIfExists(mark);
        List<Integer> before = inAnyCgroupOf(SRC);
        Process clone = host.spawnIn(null, "vserver", "hc-join", "build", "-m", "clone", "--", "--source", SRC);
        Process exec = null;
        try {
            awaitFrozen(clone);
            // vserver exec moves its process into the guest's cgroups: a frozen cgroup freezes it on arrival
            exec = host.spawnIn(null, "vserver", SRC, "exec", "/bin/sh", "-c", "echo ran > /root/joined");
            boolean sawItWaiting = false;
            while (clone.isAlive()) {
                boolean joined = inAnyCgroupOf(SRC).stream().anyMatch(p -> !before.contains(p));
                boolean ran = Files.exists(mark);
                // the freeze began before exec started, and is undone once: frozen now means frozen then
                if (ran && frozen(SRC)) fail("a process that joined the frozen source ran during the copy");
                if (joined && !ran && frozen(SRC)) sawItWaiting = true;
                Thread.sleep(2);
            }
            assertEquals(0, clone.waitFor(), new String(clone.getInputStream().readAllBytes()));
            assertTrue(sawItWaiting, "the copy ended before the exec joined the guest: nothing was tested");
            assertTrue(exec.waitFor(20, TimeUnit.SECONDS), "the exec runs once the copy is done");
            assertEquals(0, exec.exitValue(), new String(exec.getInputStream().readAllBytes()));
            assertTrue(Files.exists(mark));
            assertFalse(Files.exists(host.guestsDir.resolve("hc-join/root/joined")), "the copy holds nothing of it");
        } finally {
            clone.destroyForcibly();
            if (exec != null) exec.destroyForcibly();
            HostProbe.ok("rm", "-rf", "--one-file-system", many.toString());
            Files.deleteIfExists(mark);
            if (Files.exists(host.confdir.resolve("hc-join"))) delete("hc-join");
        }
    }

    /** {@code bin/vserver ARGS}, killed (with its children) if it is not done in {@code seconds}. */
    private static TestHost.Result bounded(int seconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestHost.BASEDIR.resolve("bin").resolve(args[0]).toString()));
        cmd.addAll(List.of(args).subList(1, args.length));
        Path out = Files.createTempFile(host.root, "out", ".txt"), err = Files.createTempFile(host.root, "err", ".txt");
        Process p = host.environment(new ProcessBuilder(cmd)).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                long rss = rssKib(p.pid());
                fail(String.join(" ", args) + " still runs after " + seconds + " s (RSS " + rss + " KiB): it reads without end");
            }
            return new TestHost.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            Files.delete(out);
            Files.delete(err);
        }
    }

    private static long rssKib(long pid) {
        try {
            return Long.parseLong(HostProbe.status(pid, "VmRSS").replaceAll("\\D", ""));
        } catch (Exception gone) {
            return -1;
        }
    }

    @Test
    void suexecDoesNotReadTheHostsPasswdThroughALinkedEtc() throws Exception {
        Path etc = host.guestsDir.resolve(SRC).resolve("etc");
        Path real = host.guestsDir.resolve(SRC).resolve("etc.real");
        Files.move(etc, real);
        Files.createSymbolicLink(etc, decoy.resolve("etc"));     // a host path, which the guest does not have
        try {
            TestHost.Result r = bounded(30, "vserver", SRC, "suexec", "hostonly", "/bin/sh", "-c", "id -u");
            assertNotEquals("4242", r.out().strip(), "suexec ran as the user of the host's decoy passwd:\n" + r);
            assertEquals(1, r.code(), r.toString());
            assertEquals("suexec: no user 'hostonly' in the guest's /etc/passwd\n", r.err(), r.toString());
        } finally {
            Files.delete(etc);
            Files.move(real, etc);
        }
    }

    @Test
    void suexecRefusesAPasswdSwappedForDevZero() throws Exception {
        Path etc = host.guestsDir.resolve(SRC).resolve("etc");
        Files.writeString(etc.resolve("passwd.flip"), "web:x:33:33::/:/bin/sh\n");
        Files.copy(etc.resolve("passwd"), etc.resolve("passwd.orig"));
        Files.createSymbolicLink(etc.resolve("passwd.zero"), Path.of("/dev/zero"));
        // passwd itself flips between a regular file and a link to /dev/zero
        Files.move(etc.resolve("passwd.flip"), etc.resolve("passwd"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String pid = startSwapper("-f", List.of("/etc/passwd", "/etc/passwd.zero"));
        try {
            // every attempt must end (bounded fails on a hang) before the outcomes are judged
            List<TestHost.Result> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) results.add(bounded(20, "vserver", SRC, "suexec", "web", "/bin/sh", "-c", "id -u"));
            for (TestHost.Result r : results) {
                if (r.code() == 0) {
                    assertEquals("33\n", r.out(), r.toString());
                } else {
                    assertTrue(r.err().startsWith("suexec: /etc/passwd of the guest (root /proc/")
                            && r.err().contains("is a symbolic link, not a regular file"), r.toString());
                }
            }
        } finally {
            host.sh(SRC, "kill " + pid + " || true");
            Files.deleteIfExists(etc.resolve("passwd.zero"));
            Files.deleteIfExists(etc.resolve("passwd"));
            Files.move(etc.resolve("passwd.orig"), etc.resolve("passwd"));
        }
    }

    @Test
    void suexecRefusesAHugePasswdWithoutReadingIt() throws Exception {
        // No race needed for an endless read: a regular passwd of 8 GiB (holes, so no disk), the
        // user on its first line. Reading it all would take the JVM's heap and minutes.
        Path passwd = host.guestsDir.resolve(SRC).resolve("etc/passwd");
        Path orig = passwd.resolveSibling("passwd.orig");
        Files.move(passwd, orig);
        try {
            try (RandomAccessFile f = new RandomAccessFile(passwd.toFile(), "rw")) {
                f.write("web:x:33:33::/:/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
                f.setLength(8L << 30);
            }
            TestHost.Result r = bounded(20, "vserver", SRC, "suexec", "web", "/bin/sh", "-c", "id -u");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().startsWith("suexec: /etc/passwd of the guest (root /proc/")
                    && r.err().contains("is larger than 4194304 bytes, the most the host reads of a guest file"), r.toString());
        } finally {
            Files.deleteIfExists(passwd);
            Files.move(orig, passwd);
        }
    }

    private static long allocatedBytes(Path p) throws Exception {
        return Long.parseLong(HostProbe.ok("stat", "-c", "%b", p.toString()).strip()) * 512;
    }

    @Test
    void sparseFilesStaySparseWithAndWithoutExcludes() throws Exception {
        String src = host.build("hc-sparse");
        Path big = host.guestsDir.resolve(src).resolve("srv/big");
        Files.createDirectories(big.getParent());
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(2L << 30);
            f.seek((2L << 30) - 4);
            f.write("end\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertTrue(allocatedBytes(big) < (1 << 20), "the source file is sparse");
        for (List<String> extra : List.of(List.<String>of(), List.of("-X", "var/cache"))) {
            String g = "hc-sp" + extra.size();
            List<String> cmd = new ArrayList<>(List.of("vserver", g, "build", "-m", "clone", "--", "--source", src));
            cmd.addAll(extra);
            TestHost.Result r = host.cli(cmd.toArray(String[]::new));
            assertEquals(0, r.code(), r.toString());
            Path copy = host.guestsDir.resolve(g).resolve("srv/big");
            assertEquals(2L << 30, Files.size(copy));
            long used = allocatedBytes(copy);
            delete(g);
            assertTrue(used < (1 << 20), String.join(" ", cmd) + " allocated " + used + " bytes for a 2 GiB file of holes");
        }
        delete(src);
    }
}
