package org.vserver.unify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vserver.unify.TreeSnapshot.ino;
import static org.vserver.unify.TreeSnapshot.nlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.unify.Hashify.Options;
import org.vserver.unify.Hashify.Outcome;

class HashifyTest {
    static final Options REAL = new Options(false, false, false, false);
    static final Options DRY = new Options(true, true, false, false);
    static final Set<String> CONFFILES = Set.of("/usr/share/conf.d/x.conf");

    record Seen(String path, long bytes, long saved, Outcome outcome) {}

    static final class Recorder implements Hashify.Listener {
        final List<Seen> files = new ArrayList<>();
        long plannedFiles = -1, plannedBytes = -1;

        @Override public void planned(long n, long bytes) {
            plannedFiles = n;
            plannedBytes = bytes;
        }

        @Override public void file(String path, long bytes, long saved, Outcome o) { files.add(new Seen(path, bytes, saved, o)); }

        Outcome of(String path) {
            return files.stream().filter(s -> s.path.equals(path)).map(Seen::outcome).findFirst().orElse(null);
        }
    }

    static HashifyResult run(Path tree, HashStore store, Options o, Hashify.Listener l) throws IOException {
        return Hashify.run(tree, ExcludeRules.builtin(), CONFFILES, store, o, l);
    }

    static List<Path> entries(HashStore store) throws IOException {
        try (Stream<Path> s = Files.walk(store.dir())) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getParent().equals(store.dir())).sorted().toList();
        }
    }

    @Test
    void twoGuestsShareIdenticalFilesOnly(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1"), g2 = Trees.guest(tmp, "g2");
        Map<String, TreeSnapshot.Node> before1 = TreeSnapshot.of(g1), before2 = TreeSnapshot.of(g2);
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir())));

        Recorder r1 = new Recorder();
        HashifyResult first = run(g1, store, REAL, r1);
        // candidates: libc, ls, copyright, copy2, own, mode, mtime, termcap
        assertEquals(8, first.filesExamined());
        assertEquals(8, r1.plannedFiles);
        assertEquals(r1.plannedBytes, first.candidateBytes());
        assertEquals(7, first.mastersCreated());
        assertEquals(1, first.filesLinked());                       // copy2 -> copyright's entry
        assertEquals(Outcome.LINKED, r1.of("/usr/share/doc/a/copy2"));
        assertEquals(Outcome.MASTER, r1.of("/usr/lib/libc.so.6"));

        Recorder r2 = new Recorder();
        HashifyResult second = run(g2, store, REAL, r2);
        assertEquals(8, second.filesExamined());
        assertEquals(3, second.mastersCreated());                   // own, mode, mtime
        assertEquals(5, second.filesLinked());                      // libc, ls, copyright, copy2, termcap
        assertEquals(5, r2.files.stream().filter(s -> s.outcome == Outcome.LINKED).count());

        for (String same : List.of("usr/lib/libc.so.6", "usr/bin/ls", "usr/share/doc/a/copyright", "usr/share/doc/a/copy2", "etc/termcap"))
            assertEquals(ino(g1.resolve(same)), ino(g2.resolve(same)), same);
        for (String differs : List.of("usr/share/doc/b/own", "usr/share/doc/b/mode", "usr/share/doc/b/mtime",
                "usr/share/doc/b/small", "usr/share/doc/b/.hidden", "etc/hostname-like", "usr/share/conf.d/x.conf", "var/lib/x"))
            assertNotEquals(ino(g1.resolve(differs)), ino(g2.resolve(differs)), differs);
        assertEquals(5, nlink(g1.resolve("usr/share/doc/a/copyright")));  // 2 guests x 2 names + the entry
        assertEquals(3, nlink(g1.resolve("usr/lib/libc.so.6")));

        // nothing anyone can see changed: content, modes, owners, sizes, file and directory mtimes
        assertEquals(before1, TreeSnapshot.of(g1));
        assertEquals(before2, TreeSnapshot.of(g2));
        assertNoTemps(tmp);
    }

    @Test
    void ignoreMtimeSharesFilesThatDifferOnlyInMtime(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1"), g2 = Trees.guest(tmp, "g2");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Options ignore = new Options(false, false, false, true);
        run(g1, store, ignore, Hashify.Listener.NONE);
        run(g2, store, ignore, Hashify.Listener.NONE);
        assertEquals(ino(g1.resolve("usr/share/doc/b/mtime")), ino(g2.resolve("usr/share/doc/b/mtime")));
        assertNotEquals(ino(g1.resolve("usr/share/doc/b/mode")), ino(g2.resolve("usr/share/doc/b/mode")));
        assertEquals(Files.getLastModifiedTime(g1.resolve("usr/share/doc/b/mtime")),
                Files.getLastModifiedTime(g2.resolve("usr/share/doc/b/mtime")));   // g2's copy now shows g1's mtime
    }

    @Test
    void dryRunChangesNothingAndCountsLikeTheRealRun(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1"), g2 = Trees.guest(tmp, "g2");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        run(g1, store, REAL, Hashify.Listener.NONE);
        List<Path> entriesBefore = entries(store);
        Map<String, TreeSnapshot.Node> snap = TreeSnapshot.of(g2);
        Map<String, Long> inodes = TreeSnapshot.inodes(g2);

        Recorder dry = new Recorder();
        HashifyResult wouldBe = run(g2, store, DRY, dry);
        assertEquals(snap, TreeSnapshot.of(g2));
        assertEquals(inodes, TreeSnapshot.inodes(g2));
        assertEquals(entriesBefore, entries(store));
        assertEquals(Outcome.WOULD_LINK, dry.of("/usr/lib/libc.so.6"));
        assertEquals(Outcome.WOULD_BECOME_MASTER, dry.of("/usr/share/doc/b/own"));
        assertEquals(Outcome.WOULD_LINK, dry.of("/usr/share/doc/a/copy2"));

        Recorder real = new Recorder();
        HashifyResult did = run(g2, store, REAL, real);
        assertEquals(wouldBe, did);
        assertEquals(dry.files.size(), real.files.size());
    }

    @Test
    void dryRunOnAnEmptyStoreCountsTwinsInTheTree(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Recorder dry = new Recorder();
        HashifyResult wouldBe = run(g1, store, DRY, dry);
        assertEquals(List.of(), entries(store));
        assertEquals(1, wouldBe.filesLinked());
        assertEquals(run(g1, store, REAL, Hashify.Listener.NONE), wouldBe);
    }

    @Test
    void unifiedFilesAreSkippedUnlessRefresh(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        run(g1, store, REAL, Hashify.Listener.NONE);
        Map<String, Long> inodes = TreeSnapshot.inodes(g1);

        HashifyResult again = run(g1, store, REAL, Hashify.Listener.NONE);
        assertEquals(new HashifyResult(0, 0, 0, 0, 0), again);

        Recorder r = new Recorder();
        HashifyResult refreshed = run(g1, store, new Options(false, false, true, false), r);
        assertEquals(8, refreshed.filesExamined());
        assertEquals(0, refreshed.filesLinked());
        assertEquals(0, refreshed.mastersCreated());
        assertTrue(r.files.stream().allMatch(s -> s.outcome == Outcome.ALREADY_LINKED), r.files.toString());
        assertEquals(inodes, TreeSnapshot.inodes(g1));
    }

    @Test
    void bytesSavedCountOnlyFreedInodes(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1"), g2 = Trees.guest(tmp, "g2");
        Files.createLink(g2.resolve("usr/bin/ls-again"), g2.resolve("usr/bin/ls"));   // g2's ls has two names already
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        run(g1, store, REAL, Hashify.Listener.NONE);
        Recorder r = new Recorder();
        HashifyResult res = run(g2, store, REAL, r);
        long ls = Files.size(g2.resolve("usr/bin/ls"));
        long savedLs = r.files.stream().filter(s -> s.path.startsWith("/usr/bin/ls")).mapToLong(Seen::saved).sum();
        assertEquals(ls, savedLs);                                   // the second name freed it, the first did not
        assertEquals(ino(g1.resolve("usr/bin/ls")), ino(g2.resolve("usr/bin/ls-again")));
        assertEquals(r.files.stream().mapToLong(Seen::saved).sum(), res.bytesSaved());
    }

    @Test
    void collisionTakesTheNextCounter(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Path libc = g1.resolve("usr/lib/libc.so.6");
        String hex = new ContentDigest().of(libc, FileIdentity.of(libc), false);
        // an entry with the same digest but another identity (as a file changed behind our back leaves it)
        Path squatter = store.entry(hex, 0);
        Files.createDirectories(squatter.getParent());
        Files.writeString(squatter, "something else entirely, not libc");
        run(g1, store, REAL, Hashify.Listener.NONE);
        assertNotEquals(ino(squatter), ino(libc));
        assertEquals(ino(store.entry(hex, 1)), ino(libc));
        assertTrue(store.entry(hex, 1).toString().endsWith("-00000001"));
        assertEquals(store.dir().resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)), squatter.getParent());
    }

    @Test
    void leftoverTemporariesAreRemoved(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Path temp = g1.resolve("usr/bin/" + HashStore.TEMP_PREFIX + "x");
        Files.createLink(temp, g1.resolve("usr/bin/ls"));
        Files.writeString(g1.resolve("usr/share/" + HashStore.TEMP_PREFIX + "y"), "a leftover");
        run(g1, store, DRY, Hashify.Listener.NONE);
        assertTrue(Files.exists(temp));                               // a dry run changes nothing
        run(g1, store, REAL, Hashify.Listener.NONE);
        assertNoTemps(g1);
    }

    @Test
    void storeOnAnotherFilesystemIsRefused(@TempDir Path tmp) throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)),
                "needs /dev/shm on another filesystem than " + tmp);
        Path g1 = Trees.guest(tmp, "g1");
        Path dir = Files.createTempDirectory(shm, "hashtest");
        try {
            HashStore store = HashStore.open(dir.resolve("hash"));
            IOException e = assertThrows(IOException.class, () -> run(g1, store, REAL, Hashify.Listener.NONE));
            assertTrue(e.getMessage().contains("on another filesystem than " + g1), e.getMessage());
            assertTrue(e.getMessage().contains("put the hash directory on the guest's filesystem"), e.getMessage());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
            }
        }
    }

    @Test
    void gcRemovesOnlyUnusedEntries(@TempDir Path tmp) throws IOException {
        Path g1 = Trees.guest(tmp, "g1"), g2 = Trees.guest(tmp, "g2");
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        run(g1, store, REAL, Hashify.Listener.NONE);
        run(g2, store, REAL, Hashify.Listener.NONE);
        int all = entries(store).size();
        assertEquals(new HashStore.GcResult(0, 0), store.gc());

        long ownSize = Files.size(g2.resolve("usr/share/doc/b/own"));
        // g2 deleted: its own files' entries are garbage now, shared ones are still g1's
        try (Stream<Path> s = Files.walk(g2)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
        }
        HashStore.GcResult gc = store.gc();
        assertEquals(3, gc.entriesRemoved());                        // own, mode, mtime of g2
        assertTrue(gc.bytesFreed() >= ownSize);
        assertEquals(all - 3, entries(store).size());
        for (Path e : entries(store)) assertTrue(nlink(e) > 1, e.toString());
        try (Stream<Path> s = Files.walk(store.dir())) {              // no empty subdirectories left
            for (Path d : s.filter(Files::isDirectory).toList()) {
                try (Stream<Path> c = Files.list(d)) {
                    assertTrue(c.findAny().isPresent(), d + " is empty");
                }
            }
        }
        assertEquals(Trees.LIBC, Files.readString(g1.resolve("usr/lib/libc.so.6")));
    }

    @Test
    void lockMakesASecondHolderWait(@TempDir Path tmp) throws Exception {
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Path lockFile = store.dir().resolve(HashStore.LOCK);
        try (HashStore.Lock l = store.lock()) {
            // another process must wait: flock(1) -n fails while we hold the fcntl lock? fcntl and flock are
            // separate on Linux, so ask with a second JVM-independent fcntl probe: lockf via python
            Process p = new ProcessBuilder("python3", "-c",
                    "import fcntl,sys; f=open(sys.argv[1],'a');\n"
                            + "try:\n fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB); print('got')\n"
                            + "except OSError: print('busy')", lockFile.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            assumeTrue(out.equals("got") || out.equals("busy"), "python3 missing: " + out);
            assertEquals("busy", out);
        }
    }

    @Test
    void aSecondRunInThisProcessWaitsForTheFirst(@TempDir Path tmp) throws Exception {
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        long[] got = new long[1];
        Thread t;
        try (HashStore.Lock l = store.lock()) {
            t = new Thread(() -> {
                try (HashStore.Lock l2 = store.lock()) {
                    got[0] = System.nanoTime();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            t.start();
            Thread.sleep(200);
            assertEquals(0, got[0], "the second holder must wait");
        }
        t.join(5000);
        assertNotEquals(0, got[0]);
    }

    @Test
    void symlinkedDirectoriesAreNotFollowed(@TempDir Path tmp) throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Trees.file(outside, "lib/libc.so.6", Trees.LIBC, "rwxr-xr-x", Trees.T0);
        Path g1 = Trees.guest(tmp, "g1");
        Files.createSymbolicLink(g1.resolve("opt"), outside);
        HashStore store = HashStore.open(tmp.resolve(".hash"));
        Recorder r = new Recorder();
        run(g1, store, REAL, r);
        assertFalse(r.files.stream().anyMatch(s -> s.path.startsWith("/opt")));
        assertEquals(1, nlink(outside.resolve("lib/libc.so.6")));
    }

    static void assertNoTemps(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(HashStore.TEMP_PREFIX)).toList());
        }
    }
}
