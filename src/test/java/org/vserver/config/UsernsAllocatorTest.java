package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsernsAllocatorTest {
    @TempDir Path dir;
    Path confdir;
    ConfigRoot root;
    SubidFiles subids;
    UsernsAllocator allocator;

    @BeforeEach void host() {
        confdir = dir.resolve("vservers");
        root = new ConfigRoot(confdir);
        subids = new SubidFiles(dir.resolve("subuid"), dir.resolve("subgid"));
        allocator = new UsernsAllocator(subids);
        for (String g : List.of("a", "b", "c")) Fixture.guest(confdir, g);
    }

    private void subids(String uid, String gid) {
        Fixture.put(dir, "subuid", uid);
        Fixture.put(dir, "subgid", gid);
    }

    private static IdRange r(long first) { return new IdRange(first, 65536); }

    @Test void firstGuestGetsTheStartOfRootsRangeWrittenToItsFiles() throws Exception {
        subids("root:1000000:1000000000\n", "root:1000000:1000000000\n");
        UsernsAllocator.Allocation a = allocator.allocate(root, "a");
        assertEquals(r(1_000_000), a.uid());
        assertEquals(r(1_000_000), a.gid());
        assertEquals("1000000 65536\n", Fixture.read(confdir.resolve("a/userns/uidmap")));
        assertEquals("1000000 65536\n", Fixture.read(confdir.resolve("a/userns/gidmap")));
        assertEquals(List.of("guest 'a': host uids 1000000..1065535 (" + confdir.resolve("a/userns/uidmap") + ")",
                "guest 'a': host gids 1000000..1065535 (" + confdir.resolve("a/userns/gidmap") + ")"), a.messages());
        assertEquals(List.of(), a.warnings());
        assertEquals(new UsernsConfig(Optional.of(r(1_000_000)), Optional.of(r(1_000_000)), false),
                ConfigDir.read(root, "a").userns(), "what was written is what read sees");
    }

    @Test void secondGuestIsDisjointAndAGuestKeepsItsRange() throws Exception {
        subids("root:1000000:1000000000\n", "root:2000000:65536\nroot:3000000:65536\n");
        allocator.allocate(root, "a");
        UsernsAllocator.Allocation b = allocator.allocate(root, "b");
        assertEquals(r(1_065_536), b.uid());
        assertEquals(r(3_000_000), b.gid(), "gids come from their own file");
        UsernsAllocator.Allocation again = allocator.allocate(root, "a");
        assertEquals(r(1_000_000), again.uid());
        assertEquals(r(2_000_000), again.gid());
        assertEquals(List.of(), again.messages(), "nothing new");
    }

    @Test void blocksCountFromTheStartOfRootsRangeAndSkipTakenOnes() throws Exception {
        subids("root:100000:1000000\n", "root:100000:1000000\n");
        Fixture.put(confdir, "a/userns/uidmap", "130000 65536\n");   // by hand, across the first two blocks
        Fixture.put(confdir, "a/userns/gidmap", "100000 65536\n");
        UsernsAllocator.Allocation b = allocator.allocate(root, "b");
        assertEquals(r(100_000 + 2 * 65536), b.uid(), "the next whole block after the hand-set range");
        assertEquals(r(165_536), b.gid());
        assertEquals(r(100_000 + 3 * 65536), allocator.allocate(root, "c").uid(), "block 0 overlaps a's range, 2 is b's");
    }

    @Test void rootsRangeStartingAmongTheHostsIdsIsUsedAboveThem() throws Exception {
        subids("root:0:400000\n", "root:10000:400000\n");
        UsernsAllocator.Allocation a = allocator.allocate(root, "a");
        assertEquals(r(65536), a.uid());
        assertEquals(r(10_000 + 65536), a.gid(), "the first whole block at or above 65536, counted from 10000");
    }

    @Test void otherOwnersIdsAreNeverHandedOut() throws Exception {
        subids("root:100000:300000\nalice:100000:65536\n", "root:100000:300000\n");
        assertEquals(r(165_536), allocator.allocate(root, "a").uid());
    }

    @Test void fullIsRefused() throws Exception {
        subids("root:100000:140000\n", "root:100000:1000000\n");
        allocator.allocate(root, "a");
        allocator.allocate(root, "b");
        var e = assertThrows(ConfigException.class, () -> allocator.allocate(root, "c"));
        assertEquals(subids.subuid() + ": no free range of 65536 uids left in root's subordinate ids (100000..239999;"
                + " 2 guest ranges taken): give root more with another line root:FIRST:COUNT", e.getMessage());
        assertFalse(Files.exists(confdir.resolve("c/userns")), "nothing of c's written");
    }

    @Test void rootsRangeIsAddedWhenMissingAndSaid() throws Exception {
        Fixture.put(dir, "subgid", "root:5000000:65536\n");
        UsernsAllocator.Allocation a = allocator.allocate(root, "a");
        assertEquals(List.of("added root:1000000:1000000000 to " + subids.subuid() + ", as Incus does",
                "guest 'a': host uids 1000000..1065535 (" + confdir.resolve("a/userns/uidmap") + ")",
                "guest 'a': host gids 5000000..5065535 (" + confdir.resolve("a/userns/gidmap") + ")"), a.messages());
        assertEquals("root:1000000:1000000000\n", Fixture.read(subids.subuid()));
        assertEquals("root:5000000:65536\n", Fixture.read(subids.subgid()));
    }

    @Test void skippedSubidLinesAreWarnings() throws Exception {
        subids("root:1000000:65536\nnonsense\n", "root:1000000:65536\n");
        assertEquals(List.of(subids.subuid() + ":2: skipped: expected OWNER:FIRST:COUNT, got 'nonsense'"),
                allocator.allocate(root, "a").warnings());
        assertEquals(List.of(subids.subuid() + ":2: skipped: expected OWNER:FIRST:COUNT, got 'nonsense'"), allocator.check(root, "a"));
    }

    @Test void aRangeOutsideRootsSubordinateIdsIsRefused() throws Exception {
        subids("root:1000000:1000000\n", "root:1000000:1000000\n");
        Fixture.put(confdir, "a/userns/uidmap", "1950000 65536\n");
        String msg = confdir.resolve("a/userns/uidmap") + ":1: host uids 1950000..2015535 are not all root's subordinate ids in "
                + subids.subuid() + " (root has 1000000..1999999)";
        assertEquals(msg, assertThrows(ConfigException.class, () -> allocator.check(root, "a")).getMessage());
        assertEquals(msg, assertThrows(ConfigException.class, () -> allocator.allocate(root, "a")).getMessage());
        assertFalse(Files.exists(confdir.resolve("a/userns/gidmap")), "a refusal writes nothing");

        Fixture.put(dir, "subuid", "");
        assertEquals(confdir.resolve("a/userns/uidmap") + ":1: host uids 1950000..2015535 are not all root's subordinate ids in "
                + subids.subuid() + " (root has none)", assertThrows(ConfigException.class, () -> allocator.check(root, "a")).getMessage());
    }

    @Test void twoGuestsOverlappingAreRefusedNamingBothFiles() throws Exception {
        subids("root:1000000:1000000\n", "root:1000000:1000000\n");
        Fixture.put(confdir, "a/userns/gidmap", "# hand-made\n1000000 131072\n");
        Fixture.put(confdir, "b/userns/gidmap", "1065536 65536\n");
        assertEquals(List.of(), allocator.check(root, "c"), "c has no ranges: nothing to refuse");
        var e = assertThrows(ConfigException.class, () -> allocator.check(root, "b"));
        assertEquals(confdir.resolve("b/userns/gidmap") + ":1: host gids 1065536..1131071 overlap guest 'a''s 1000000..1131071 ("
                + confdir.resolve("a/userns/gidmap") + ":2)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> allocator.check(root, "a"));
        assertEquals(confdir.resolve("a/userns/gidmap") + ":2: host gids 1000000..1131071 overlap guest 'b''s 1065536..1131071 ("
                + confdir.resolve("b/userns/gidmap") + ":1)", e.getMessage());
    }

    @Test void aRangeOverlappingAnotherOwnersIdsIsRefused() throws Exception {
        subids("root:1000000:1000000\nalice:1500000:65536\n", "root:1000000:1000000\n");
        Fixture.put(confdir, "a/userns/uidmap", "1500000 65536\n");
        assertEquals(confdir.resolve("a/userns/uidmap") + ":1: host uids 1500000..1565535 overlap alice's subordinate ids"
                + " 1500000..1565535 (" + subids.subuid() + ":2)",
                assertThrows(ConfigException.class, () -> allocator.check(root, "a")).getMessage());
    }

    @Test void anotherGuestsBrokenFileStopsAllocationButNotTheCheck() throws Exception {
        subids("root:1000000:1000000\n", "root:1000000:1000000\n");
        Fixture.put(confdir, "a/userns/uidmap", "1000000 655\n");
        Fixture.put(confdir, "b/userns/uidmap", "1065536 65536\n");
        Fixture.put(confdir, "b/userns/gidmap", "1065536 65536\n");
        assertEquals(List.of(), allocator.check(root, "b"));
        assertEquals(r(1_065_536), allocator.allocate(root, "b").uid(), "b has its ranges: nothing to hand out");
        var e = assertThrows(ConfigException.class, () -> allocator.allocate(root, "c"));
        assertEquals(confdir.resolve("a/userns/uidmap") + ":1: count 655 is below 65536: a guest needs ids 0..65535 (nobody is 65534)",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> allocator.check(root, "a"));
        assertTrue(e.getMessage().startsWith(confdir.resolve("a/userns/uidmap") + ":1: count 655"), "its own file is always an error");
    }

    @Test void noSuchGuest() {
        var e = assertThrows(ConfigException.class, () -> allocator.allocate(root, "nope"));
        assertEquals(confdir.resolve("nope") + ": no such guest (configuration directory missing)", e.getMessage());
    }

    @Test void concurrentAllocationsAreDistinct() throws Exception {
        subids("root:1000000:1000000000\n", "root:1000000:1000000000\n");
        int threads = 2, each = 10;
        for (int i = 0; i < threads * each; i++) Fixture.guest(confdir, "g" + i);
        var barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            var futures = new ArrayList<Future<List<IdRange>>>();
            for (int t = 0; t < threads; t++) {
                int first = t * each;
                Callable<List<IdRange>> job = () -> {
                    var own = new UsernsAllocator(subids);   // separate instances, like separate builds
                    barrier.await();
                    var got = new ArrayList<IdRange>();
                    for (int i = first; i < first + each; i++) got.add(own.allocate(root, "g" + i).uid());
                    return got;
                };
                futures.add(pool.submit(job));
            }
            var all = new ArrayList<IdRange>();
            for (var f : futures) all.addAll(f.get());
            assertEquals(threads * each, new HashSet<>(all).size(), all.toString());
            assertEquals(1_000_000 + (threads * each - 1) * 65536L, all.stream().mapToLong(IdRange::hostFirst).max().orElseThrow(),
                    "the blocks tile root's range");
        } finally {
            pool.shutdownNow();
        }
    }
}
