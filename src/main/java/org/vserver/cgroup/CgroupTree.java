package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** A guest's cgroup and its descendants, the same in v1 and v2: walking, reading pids, removing. */
final class CgroupTree {
    private static final Duration RETRY = Duration.ofMillis(20);

    private CgroupTree() {}

    /** {@code dir} and its descendant cgroups, parents before children; empty if {@code dir} is absent. */
    static List<Path> dirs(Path dir) throws IOException {
        var out = new ArrayList<Path>();
        collect(dir, out);
        return out;
    }

    private static void collect(Path dir, List<Path> out) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        out.add(dir);
        for (Path child : children(dir)) collect(child, out);
    }

    /** The child cgroups (subdirectories) of {@code dir}; empty if it is gone. */
    static List<Path> children(Path dir) throws IOException {
        var out = new ArrayList<Path>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            for (Path p : s) out.add(p);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw CgroupFiles.failure("opendir", dir, e);
        }
        out.sort(null);
        return out;
    }

    /** The pids listed in {@code file} (cgroup.procs) of {@code dir} and every descendant, without duplicates. */
    static List<Integer> pids(Path dir, String file) throws IOException {
        var pids = new LinkedHashSet<Integer>();
        for (Path d : dirs(dir)) {
            Path f = d.resolve(file);
            if (!Files.exists(f)) continue;                    // a descendant removed while we walk
            for (String line : CgroupFiles.lines(f)) {
                try {
                    pids.add(Integer.parseInt(line));
                } catch (NumberFormatException e) {
                    throw new IOException("read(`" + f + "`) failed: not a pid: " + line);
                }
            }
        }
        return List.copyOf(pids);
    }

    /** The number of lines of {@code file} (tasks, cgroup.threads) summed over {@code dir} and its descendants. */
    static int countLines(Path dir, String file) throws IOException {
        int n = 0;
        for (Path d : dirs(dir)) {
            Path f = d.resolve(file);
            if (Files.exists(f)) n += CgroupFiles.lines(f).size();
        }
        return n;
    }

    /** Creates {@code dir} unless it exists; true if it was created. */
    static boolean mkdir(CgroupDirs dirs, Path dir) throws IOException {
        if (Files.isDirectory(dir)) return false;
        try {
            dirs.mkdir(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;                                      // a concurrent create: fine
        } catch (IOException e) {
            throw CgroupFiles.failure("mkdir", dir, e);
        }
    }

    /**
     * Removes {@code dir} and its descendants, deepest first. A cgroup whose last task is still
     * exiting answers EBUSY for a few milliseconds: retried until {@code busyTimeout}. Absent is fine.
     */
    static void remove(CgroupDirs dirs, Path dir, Duration busyTimeout) throws IOException {
        List<Path> all = dirs(dir);
        for (int i = all.size() - 1; i >= 0; i--) rmdir(dirs, all.get(i), busyTimeout);
    }

    /** Removes {@code dir} if it has no child cgroup; true if it is gone afterwards. */
    static boolean removeIfEmpty(CgroupDirs dirs, Path dir, Duration busyTimeout) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return true;
        if (!children(dir).isEmpty()) return false;
        rmdir(dirs, dir, busyTimeout);
        return true;
    }

    private static void rmdir(CgroupDirs dirs, Path dir, Duration busyTimeout) throws IOException {
        long deadline = System.nanoTime() + busyTimeout.toNanos();
        while (true) {
            try {
                dirs.rmdir(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                if (!CgroupFiles.transientBusy(e) || System.nanoTime() - deadline > 0)
                    throw CgroupFiles.failure("rmdir", dir, e);
            }
            CgroupFiles.sleep(RETRY);
        }
    }
}
