package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XidAllocatorTest {
    @TempDir Path confdir;

    @Test void startsAt40000AndCounts() throws Exception {
        var root = new ConfigRoot(confdir);
        var xids = new XidAllocator();
        assertEquals(40000, xids.next(root));
        assertEquals("40001\n", Fixture.read(confdir.resolve(".defaults/context.next")));
        assertEquals(40001, xids.next(root));
        assertEquals(40002, new XidAllocator().next(root));
    }

    @Test void contextStartAndContextNext() throws Exception {
        var root = new ConfigRoot(confdir);
        Fixture.put(confdir, ".defaults/context.start", "500\n");
        assertEquals(500, new XidAllocator().next(root));
        Fixture.put(confdir, ".defaults/context.next", "700\n");
        assertEquals(700, new XidAllocator().next(root));
        Fixture.put(confdir, ".defaults/context.next", "junk\n");
        var e = assertThrows(ConfigException.class, () -> new XidAllocator().next(root));
        assertEquals(confdir.resolve(".defaults/context.next") + ":1: invalid context 'junk': expected a number 2..65535 (0 is the host, 1 the spectator)",
                e.getMessage());
    }

    @Test void skipsIdsOtherGuestsUse() throws Exception {
        var root = new ConfigRoot(confdir);
        Fixture.put(confdir, "a/context", "40000\n");
        Fixture.put(confdir, "b/context", "40001\n");
        Fixture.put(confdir, "c/context", "40003\n");
        Fixture.put(confdir, "broken/context", "nonsense\n");
        assertEquals(40002, new XidAllocator().next(root));
        assertEquals(40004, new XidAllocator().next(root));
        assertEquals("40005\n", Fixture.read(confdir.resolve(".defaults/context.next")));
    }

    @Test void refusesToLeaveTheStaticRange() throws Exception {
        var root = new ConfigRoot(confdir);
        Fixture.put(confdir, ".defaults/context.next", "49151\n");
        assertEquals(49151, new XidAllocator().next(root));
        var e = assertThrows(ConfigException.class, () -> new XidAllocator().next(root));
        assertTrue(e.getMessage().contains("no static XID left (49152 > 49151)"), e.getMessage());
    }

    @Test void concurrentAllocationsAreDistinct() throws Exception {
        var root = new ConfigRoot(confdir);
        int threads = 2, each = 25;
        var barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            var futures = new ArrayList<Future<List<Integer>>>();
            for (int t = 0; t < threads; t++) {
                Callable<List<Integer>> job = () -> {
                    var allocator = new XidAllocator();   // separate instances, like separate builds
                    barrier.await();
                    var got = new ArrayList<Integer>();
                    for (int i = 0; i < each; i++) got.add(allocator.next(root));
                    return got;
                };
                futures.add(pool.submit(job));
            }
            var all = new ArrayList<Integer>();
            for (var f : futures) all.addAll(f.get());
            assertEquals(threads * each, new HashSet<>(all).size(), all.toString());
            assertEquals(40000 + threads * each - 1, all.stream().mapToInt(i -> i).max().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test void allocationsInTwoJvmsAreDistinct() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        int each = 150;   // enough for the two JVMs to overlap: without the file lock this fails
        var procs = new ArrayList<Process>();
        for (int i = 0; i < 2; i++)
            procs.add(new ProcessBuilder(java, "-cp", cp, XidAllocatorMain.class.getName(), confdir.toString(),
                    Integer.toString(each)).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        var all = new ArrayList<Integer>();
        for (Process p : procs) {
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor());
            out.lines().map(Integer::parseInt).forEach(all::add);
        }
        assertEquals(2 * each, all.size());
        var seen = new HashSet<Integer>();
        assertEquals(List.of(), all.stream().filter(x -> !seen.add(x)).toList(), "XIDs handed out twice");
    }
}
