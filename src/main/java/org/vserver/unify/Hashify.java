package org.vserver.unify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.vserver.unify.FileIdentity.Inode;
import org.vserver.unify.HashStore.Found;
import org.vserver.unify.HashStore.Free;
import org.vserver.unify.HashStore.Lookup;
import org.vserver.unify.TreeWalk.Candidate;
import org.vserver.unify.TreeWalk.Dir;

/**
 * vhashify's engine: replaces each candidate file of a tree by a hard link to the store's entry
 * for its digest, or makes it that entry. Crash-safe: a file is only ever replaced by
 * {@code link(entry, dir/.vhashify~R)} then {@code rename(tmp, file)}, so after a kill at any
 * moment every name in the tree is its old inode or an identical one from the store; the next
 * run removes leftover temporaries and puts back the directory times (see {@link DirTimesJournal}).
 * Digests are computed ahead on a small pool; every change is made by the calling thread, in order.
 */
public final class Hashify {

    /**
     * @param dryRun decide everything, change nothing
     * @param verbose for the listener: report each file
     * @param refresh also re-examine files that are links to the store already
     * @param ignoreMtime files differing only in mtime are the same (the link gets the store's mtime)
     */
    public record Options(boolean dryRun, boolean verbose, boolean refresh, boolean ignoreMtime) {}

    /** What happened to one candidate. */
    public enum Outcome {
        /** replaced by a link to the store's identical entry */
        LINKED,
        /** became the store's entry for its digest */
        MASTER,
        /** is the store's entry already (seen with refresh) */
        ALREADY_LINKED,
        /** dry run: would be LINKED */
        WOULD_LINK,
        /** dry run: would be MASTER */
        WOULD_BECOME_MASTER,
        /** changed or vanished while it was read: left alone */
        CHANGED
    }

    /** Progress: {@code planned} once after the first pass, then {@code file} per candidate, in order. */
    public interface Listener {
        void planned(long files, long bytes);

        void file(String path, long bytes, long savedBytes, Outcome o);

        Listener NONE = new Listener() {
            @Override public void planned(long files, long bytes) {}
            @Override public void file(String path, long bytes, long savedBytes, Outcome o) {}
        };
    }

    /** The points between two changes of the tree or store; tests make a run die at each. */
    enum Step { MASTER_LINKED, JOURNAL_WRITTEN, TEMP_LINKED, RENAMED, TIMES_RESTORED }

    /** Called at each {@link Step}; a test hook throws an Error there to simulate kill -9 (no cleanup runs). */
    interface Steps {
        void reached(Step step, Path file) throws IOException;

        Steps NONE = (s, f) -> {};
    }

    /** Two hashing threads: reading and SHA-256 of the next files overlap the links of this one. */
    static final int THREADS = 2;
    private static final int AHEAD = 64;

    private final Steps steps;
    private final int threads;

    Hashify(Steps steps, int threads) {
        this.steps = steps;
        this.threads = threads;
    }

    /** Unifies {@code tree} into {@code store}, under the store's lock. */
    public static HashifyResult run(Path tree, ExcludeRules rules, Set<String> conffiles, HashStore store, Options o,
            Listener l) throws IOException {
        return new Hashify(Steps.NONE, THREADS).hashify(tree, rules, conffiles, store, o, l);
    }

    HashifyResult hashify(Path tree, ExcludeRules rules, Set<String> conffiles, HashStore store, Options o, Listener l)
            throws IOException {
        try (HashStore.Lock lock = store.lock()) {
            Inode root = Inode.of(tree);
            if (!root.isDirectory()) throw new IOException(tree + " is not a directory");
            store.requireSameFilesystem(tree, root.dev());
            DirTimesJournal journal = new DirTimesJournal(store);
            DirTimesJournal.Entry leftover = journal.read();

            // The store's inodes are listed on another thread while this one walks the tree: both are
            // mostly syscalls (one stat per entry), and the walk only needs them for files with several links.
            Inode storeDir = Inode.of(store.dir());
            List<Dir> dirs;
            if (o.refresh()) {
                dirs = new TreeWalk(rules, conffiles, storeDir, !o.dryRun()).walk(tree, root);
            } else {
                CompletableFuture<Set<Long>> inodes = CompletableFuture.supplyAsync(() -> {
                    try {
                        return store.inodes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, r -> Thread.ofPlatform().daemon().name("hashify-store").start(r));
                List<Dir> walked = new TreeWalk(rules, conffiles, storeDir, !o.dryRun()).walk(tree, root);
                dirs = TreeWalk.withoutUnified(walked, join(inodes));
            }
            if (leftover != null && !o.dryRun()) {         // after the walk removed the killed run's temporary
                DirTimesJournal.restore(leftover);
                journal.clear();
            }
            long files = 0, bytes = 0;
            for (Dir d : dirs)
                for (Candidate c : d.files()) {
                    files++;
                    bytes += c.inode().identity().size();
                }
            l.planned(files, bytes);
            return new Run(store, journal, o, l, leftover).all(dirs, files, bytes);
        }
    }

    private static Set<Long> join(CompletableFuture<Set<Long>> f) throws IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        }
    }

    /**
     * A digest computed ahead, with the lstat it was made from (null hex: the file changed meanwhile),
     * and where the store's lookup led then: a hint, since the entry may have been made by an earlier
     * file since (then making it the master fails and the lookup is done again).
     */
    private record Hashed(Candidate c, Inode before, String hex, Lookup lookup) {}

    /** The second pass: one per call, so no state outlives a run. */
    private final class Run {
        private final HashStore store;
        private final DirTimesJournal journal;
        private final Options o;
        private final Listener l;
        private final DirTimesJournal.Entry leftover;
        private final ThreadLocal<ContentDigest> digests = ThreadLocal.withInitial(ContentDigest::new);
        /** Dry run: the entries it would have made, and how the link counts would have moved. */
        private final Map<Path, Inode> planned = new HashMap<>();
        private final Map<Long, Integer> nlinkDelta = new HashMap<>();
        private long linked, saved, masters;

        Run(HashStore store, DirTimesJournal journal, Options o, Listener l, DirTimesJournal.Entry leftover) {
            this.store = store;
            this.journal = journal;
            this.o = o;
            this.l = l;
            this.leftover = leftover;
        }

        HashifyResult all(List<Dir> dirs, long files, long bytes) throws IOException {
            ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "hashify-digest");
                t.setDaemon(true);
                return t;
            }) : null;
            try {
                List<Candidate> flat = dirs.stream().flatMap(d -> d.files().stream()).toList();
                ArrayDeque<Future<Hashed>> ahead = new ArrayDeque<>();
                int next = 0;
                for (Dir d : dirs) {
                    boolean touched = false;
                    for (int i = 0; i < d.files().size(); i++) {
                        while (pool != null && next < flat.size() && ahead.size() < AHEAD) {
                            Candidate c = flat.get(next++);
                            ahead.add(pool.submit(() -> hash(c, false)));
                        }
                        Hashed h = pool != null ? await(ahead.poll()) : hash(d.files().get(i), false);
                        if (h.hex == null) h = hash(h.c, true);    // maybe only a sibling link of ours moved its ctime: once more, now
                        touched |= apply(h, touched, d);
                    }
                    if (touched) {
                        DirTimesJournal.restore(times(d));
                        steps.reached(Step.TIMES_RESTORED, d.path());
                        journal.clear();
                    }
                }
            } finally {
                if (pool != null) pool.shutdownNow();
            }
            return new HashifyResult(files, bytes, linked, saved, masters);
        }

        /** The times to put back: the walk's lstat, or those a killed run saved if it was in this directory. */
        private DirTimesJournal.Entry times(Dir d) {
            if (leftover != null && leftover.dir().equals(d.path())) return leftover;
            return new DirTimesJournal.Entry(d.path(), d.before().mtime(), d.before().atime());
        }

        /**
         * The walk's lstat serves as the one before reading unless {@code fresh}: the lstat after
         * reading proves nothing changed since either way. Off the main thread it also looks the
         * digest up in the store and makes the entry's {@code ab/cd} directory if that is missing, so
         * that the main thread only links and renames (an empty directory in the store is harmless:
         * gc removes it).
         */
        private Hashed hash(Candidate c, boolean fresh) throws IOException {
            try {
                Inode before = fresh ? Inode.of(c.path()) : c.inode();
                if (!before.isRegular() || before.ino() != c.inode().ino()) return new Hashed(c, before, null, null);
                String hex = digests.get().of(c.path(), before.identity(), o.ignoreMtime());
                Inode after = Inode.of(c.path());
                if (!after.unchangedSince(before)) return new Hashed(c, before, null, null);
                if (o.dryRun()) return new Hashed(c, before, hex, null);   // the dry run's planned entries are the main thread's
                Lookup found = store.lookup(hex, before.identity(), o.ignoreMtime(), Map.of());
                if (found instanceof Free fr) store.makeParent(fr.entry());
                return new Hashed(c, before, hex, found);
            } catch (NoSuchFileException e) {
                return new Hashed(c, null, null, null);
            }
        }

        private static Hashed await(Future<Hashed> f) throws IOException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while hashing", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IOException(e.getCause());
            }
        }

        /** Decides (and unless dry, does) one file; true if its directory was changed. */
        private boolean apply(Hashed h, boolean dirJournaled, Dir d) throws IOException {
            Candidate c = h.c;
            long size = c.inode().identity().size();
            if (h.hex == null) {
                l.file(c.abs(), size, 0, Outcome.CHANGED);
                return false;
            }
            Inode now = h.before;
            Lookup hint = h.lookup;
            while (true) {
                Lookup found = hint != null ? hint : store.lookup(h.hex, now.identity(), o.ignoreMtime(), planned);
                hint = null;
                switch (found) {
                    case Found f when f.ino() == now.ino() -> {
                        l.file(c.abs(), size, 0, Outcome.ALREADY_LINKED);
                        return false;
                    }
                    case Found f -> {
                        if (o.dryRun()) {
                            long free = now.nlink() + nlinkDelta.getOrDefault(now.ino(), 0) == 1 ? size : 0;
                            nlinkDelta.merge(now.ino(), -1, Integer::sum);
                            count(c, size, free, Outcome.WOULD_LINK);
                            return false;
                        }
                        if (!dirJournaled) {
                            journal.write(times(d));
                            steps.reached(Step.JOURNAL_WRITTEN, c.path());
                        }
                        Inode cur = Inode.of(c.path());
                        // ctime may have moved (a sibling name became an entry); content and identity may not
                        if (cur.ino() != now.ino() || !cur.identity().equals(now.identity())) {
                            l.file(c.abs(), size, 0, Outcome.CHANGED);
                            return true;
                        }
                        replace(f.entry(), c.path());
                        count(c, size, cur.nlink() == 1 ? size : 0, Outcome.LINKED);
                        return true;
                    }
                    case Free fr -> {
                        if (o.dryRun()) {
                            planned.put(fr.entry(), now);
                            nlinkDelta.merge(now.ino(), 1, Integer::sum);
                            count(c, size, 0, Outcome.WOULD_BECOME_MASTER);
                            return false;
                        }
                        if (store.createMaster(c.path(), fr.entry())) {
                            steps.reached(Step.MASTER_LINKED, c.path());
                            count(c, size, 0, Outcome.MASTER);
                            return false;
                        }
                        // another name took the entry meanwhile: look again
                    }
                }
            }
        }

        private void count(Candidate c, long size, long free, Outcome out) {
            switch (out) {
                case LINKED, WOULD_LINK -> {
                    linked++;
                    saved += free;
                }
                case MASTER, WOULD_BECOME_MASTER -> masters++;
                default -> {}
            }
            l.file(c.abs(), size, free, out);
        }

        /** link(entry, dir/.vhashify~R), rename(tmp, file): the file's name never points at nothing or at a half copy. */
        private void replace(Path entry, Path file) throws IOException {
            Path tmp;
            while (true) {
                tmp = file.resolveSibling(HashStore.TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                try {
                    Files.createLink(tmp, entry);
                    break;
                } catch (FileAlreadyExistsException e) {
                    // a leftover of the same name: draw again
                } catch (IOException e) {
                    throw new IOException("link(`" + entry + "`, `" + tmp + "`) failed: " + e.getMessage(), e);
                }
            }
            try {
                steps.reached(Step.TEMP_LINKED, file);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw new IOException("rename(`" + tmp + "`, `" + file + "`) failed: " + e.getMessage(), e);
            }
            // (rename(2) of two names of one inode would do nothing and leave tmp: the caller saw the file is not the entry)
            steps.reached(Step.RENAMED, file);
        }
    }
}
