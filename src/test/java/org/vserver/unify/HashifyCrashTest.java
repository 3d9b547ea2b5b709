package org.vserver.unify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.unify.Hashify.Listener;
import org.vserver.unify.Hashify.Step;

/**
 * kill -9 at every step of a run: a hook throws an Error (no catch block of the engine runs, as
 * with a kill) at the n-th time a step is reached. Then: every name of the tree is its old inode
 * or the store's identical one; and the next run ends where an uninterrupted run would have.
 */
class HashifyCrashTest {
    private static final class Crash extends Error {
        Crash() { super("simulated kill -9", null, false, false); }
    }

    private static HashifyResult run(Hashify h, Path tree, HashStore store) throws IOException {
        return h.hashify(tree, ExcludeRules.builtin(), HashifyTest.CONFFILES, store, HashifyTest.REAL, Listener.NONE);
    }

    /** Which names share an inode, as sets of paths (inode numbers differ between fixtures). */
    private static Set<Set<String>> sharing(Path tmp, List<String> trees) throws IOException {
        Map<Long, Set<String>> byIno = new TreeMap<>();
        for (String t : trees)
            for (var e : TreeSnapshot.inodes(tmp.resolve(t)).entrySet())
                byIno.computeIfAbsent(e.getValue(), k -> new HashSet<>()).add(t + "/" + e.getKey());
        return new HashSet<>(byIno.values());
    }

    @Test
    void killAtAnyStepLeavesOldOrIdenticalInodesAndTheRerunFinishes(@TempDir Path tmp) throws IOException {
        // the uninterrupted result, and how often each step is reached in it
        Path ref = Files.createDirectories(tmp.resolve("ref"));
        Trees.guest(ref, "g1");
        Trees.guest(ref, "g2");
        Map<Step, Integer> reached = new EnumMap<>(Step.class);
        Hashify counting = new Hashify((s, f) -> reached.merge(s, 1, Integer::sum), 2);
        HashStore refStore = HashStore.open(ref.resolve(".hash"));
        run(counting, ref.resolve("g1"), refStore);
        run(counting, ref.resolve("g2"), refStore);
        Set<Set<String>> expected = sharing(ref, List.of("g1", "g2"));
        assertEquals(Set.of(Step.values()), reached.keySet(), "every step is exercised: " + reached);

        int cases = 0;
        for (Step step : Step.values()) {
            for (int nth = 1; nth <= Math.min(reached.get(step), 4); nth++) {
                Path dir = Files.createDirectories(tmp.resolve("case" + cases++));
                Path g1 = Trees.guest(dir, "g1"), g2 = Trees.guest(dir, "g2");
                Map<String, TreeSnapshot.Node> snap1 = TreeSnapshot.of(g1), snap2 = TreeSnapshot.of(g2);
                Map<String, Long> ino1 = TreeSnapshot.inodes(g1), ino2 = TreeSnapshot.inodes(g2);
                HashStore store = HashStore.open(dir.resolve(".hash"));
                int[] left = {nth};
                Hashify dying = new Hashify((s, f) -> {
                    if (s == step && --left[0] == 0) throw new Crash();
                }, 2);
                boolean crashed = false;
                for (Path g : List.of(g1, g2)) {
                    try {
                        run(dying, g, store);
                    } catch (Crash c) {
                        crashed = true;
                        break;
                    }
                }
                String what = step + " #" + nth;
                assertTrue(crashed, what);
                assertInvariant(what, g1, snap1, ino1, store);
                assertInvariant(what, g2, snap2, ino2, store);

                Hashify healthy = new Hashify(Hashify.Steps.NONE, 2);
                run(healthy, g1, store);
                run(healthy, g2, store);
                assertEquals(expected, sharing(dir, List.of("g1", "g2")), what);
                assertEquals(snap1, TreeSnapshot.of(g1), what + ": g1 as it was, directory mtimes included");
                assertEquals(snap2, TreeSnapshot.of(g2), what + ": g2 as it was, directory mtimes included");
                HashifyTest.assertNoTemps(dir);
                assertTrue(Files.notExists(store.dir().resolve(HashStore.DIR_TIMES)), what);
            }
        }
        assertTrue(cases >= 10, "cases: " + cases);
    }

    /** Each regular file shows its old content, mode, owner, size and mtime, and is its old inode or a store entry. */
    private static void assertInvariant(String what, Path tree, Map<String, TreeSnapshot.Node> before,
            Map<String, Long> inodesBefore, HashStore store) throws IOException {
        Set<Long> storeInodes = store.inodes();
        Map<String, TreeSnapshot.Node> now = TreeSnapshot.of(tree);
        List<String> wrong = new ArrayList<>();
        for (var e : before.entrySet()) {
            if (e.getValue().type() == 'd') continue;                       // a killed run may leave a directory's mtime
            TreeSnapshot.Node n = now.get(e.getKey());
            if (!e.getValue().equals(n)) wrong.add(e.getKey() + ": " + e.getValue() + " -> " + n);
        }
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                String rel = tree.relativize(p).toString();
                if (p.getFileName().toString().startsWith(HashStore.TEMP_PREFIX)) {
                    if (!storeInodes.contains(TreeSnapshot.ino(p))) wrong.add(rel + ": a temporary that is no store entry");
                } else if (!before.containsKey(rel)) {
                    wrong.add(rel + ": new file");
                } else if (TreeSnapshot.ino(p) != inodesBefore.get(rel) && !storeInodes.contains(TreeSnapshot.ino(p))) {
                    wrong.add(rel + ": neither its old inode nor a store entry");
                }
            }
        }
        if (!wrong.isEmpty()) fail(what + ":\n" + String.join("\n", wrong));
    }
}
