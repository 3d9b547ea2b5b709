package org.vserver.unify;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.vserver.unify.FileIdentity.Inode;

/**
 * The content-hash store ({@code /vservers/.hash}): one name per distinct file, at
 * {@code ab/cd/<rest of the hex digest>-NNNNNNNN}. Guests' files are hard links to these entries,
 * so an entry's link count says how many files use it, and an entry with one link is garbage.
 * The counter separates files with equal digests whose identity differs after all (only possible
 * with ignoreMtime, or a file changed behind our back).
 */
public final class HashStore {
    /** Names of the temporaries a run makes next to the file it replaces; any found later is a crash's leftover. */
    static final String TEMP_PREFIX = ".vhashify~";
    static final String LOCK = ".lock";
    /** The times of the one directory a run is changing, so the next run can put them back after a crash. */
    static final String DIR_TIMES = ".dirtimes";

    private final Path dir;
    private final long dev;

    private HashStore(Path dir, long dev) {
        this.dir = dir;
        this.dev = dev;
    }

    /** Opens the store at {@code dir}, creating it mode 0700 if missing (its files are guests' files: no one else reads them). */
    public static HashStore open(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS))
                throw new IOException("hash directory " + abs + " exists and is not a directory: move it away");
            Files.createDirectories(abs.getParent());
            try {
                Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by another run: fine
            }
            // the umask may have taken bits away, never added: set exactly 0700
            Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rwx------"));
        }
        return new HashStore(abs, Inode.of(abs).dev());
    }

    public Path dir() { return dir; }

    long dev() { return dev; }

    /** Held for a whole run or gc: two runs never interleave, the second waits ({@code fcntl(F_SETLKW)}). */
    public interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Waits for the store's exclusive lock ({@code dir/.lock}). */
    public Lock lock() throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = lockWaiting(ch);
            return () -> {
                try (ch) {
                    l.release();
                }
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * fcntl locks belong to the process: a second holder in this JVM gets no wait from the kernel but
     * an OverlappingFileLockException, so it polls until the first one is done.
     */
    private static FileLock lockWaiting(FileChannel ch) throws IOException {
        while (true) {
            try {
                return ch.lock();
            } catch (OverlappingFileLockException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the hash directory's lock", ie);
                }
            }
        }
    }

    /** Hard links cannot cross filesystems: refuse a tree on another one with what to do about it. */
    void requireSameFilesystem(Path file, long fileDev) throws IOException {
        if (fileDev != dev)
            throw new IOException("hash directory " + dir + " is on another filesystem than " + file
                    + ": hard links are impossible; put the hash directory on the guest's filesystem");
    }

    /** {@code ab/cd/<rest>-NNNNNNNN}. */
    Path entry(String hex, int counter) {
        return dir.resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4))
                .resolve(hex.substring(4) + "-" + String.format("%08d", counter));
    }

    /** Where a digest leads: an entry with the same identity, or the first free name. */
    sealed interface Lookup {}

    record Found(Path entry, long ino) implements Lookup {}

    record Free(Path entry) implements Lookup {}

    /**
     * Tries {@code -00000000}, {@code -00000001}, ... until an entry whose identity equals
     * {@code id} or a free name. {@code planned} holds the entries a dry run would have made.
     */
    Lookup lookup(String hex, FileIdentity id, boolean ignoreMtime, Map<Path, Inode> planned) throws IOException {
        for (int counter = 0; ; counter++) {
            Path e = entry(hex, counter);
            Inode in = planned.get(e);
            if (in == null) {
                try {
                    in = Inode.of(e);
                } catch (NoSuchFileException x) {
                    return new Free(e);
                }
            }
            if (in.isRegular() && in.identity().sameAs(id, ignoreMtime)) return new Found(e, in.ino());
        }
    }

    /**
     * mkdir of {@code entry}'s {@code ab/cd} (and {@code ab}) unless there: done ahead of
     * {@link #createMaster}, off the thread that changes the tree. Safe at any moment: an empty
     * directory in the store is no entry, and gc removes it.
     */
    void makeParent(Path entry) throws IOException {
        Path cd = entry.getParent();
        try {
            Files.createDirectory(cd);
        } catch (FileAlreadyExistsException e) {
            // made by an earlier file: the usual case once the store has grown
        } catch (NoSuchFileException e) {
            try {
                Files.createDirectory(cd.getParent());
            } catch (FileAlreadyExistsException made) {
                // by the other hashing thread meanwhile
            }
            try {
                Files.createDirectory(cd);
            } catch (FileAlreadyExistsException made) {
                // by the other hashing thread meanwhile
            }
        } catch (IOException e) {
            throw new IOException("mkdir(`" + cd + "`) failed: " + e.getMessage(), e);
        }
    }

    /** link(file, entry): {@code file} becomes the master copy. False if the entry appeared meanwhile. */
    boolean createMaster(Path file, Path entry) throws IOException {
        try {
            try {
                Files.createLink(entry, file);
            } catch (NoSuchFileException e) {          // first entry under ab/cd: mkdir only then (a syscall less per file)
                Files.createDirectories(entry.getParent());
                Files.createLink(entry, file);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new IOException("link(`" + file + "`, `" + entry + "`) failed: " + e.getMessage(), e);
        }
    }

    /** The inode numbers of all entries: a file with one of them is unified already. */
    Set<Long> inodes() throws IOException {
        Set<Long> inos = new HashSet<>();
        forEachEntry((p, in) -> inos.add(in.ino()));
        return inos;
    }

    /** What {@link #gc()} did. */
    public record GcResult(long entriesRemoved, long bytesFreed) {}

    /**
     * Removes every entry no file uses any more (link count 1), leftover temporaries, then empty
     * subdirectories. Takes the store's lock.
     */
    public GcResult gc() throws IOException {
        try (Lock l = lock()) {
            long[] removed = {0, 0};
            forEachEntry((p, in) -> {
                if (in.nlink() == 1 || p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    Files.deleteIfExists(p);
                    removed[0]++;
                    removed[1] += in.identity().size();
                }
            });
            removeEmptyDirs(dir, true);
            return new GcResult(removed[0], removed[1]);
        }
    }

    private interface EntryVisitor {
        void visit(Path entry, Inode inode) throws IOException;
    }

    /** Each regular file two levels down ({@code ab/cd/x}); the lock and journal are not entries. */
    private void forEachEntry(EntryVisitor v) throws IOException {
        try (DirectoryStream<Path> l1 = Files.newDirectoryStream(dir)) {
            for (Path a : l1) {
                if (!Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS)) continue;
                try (DirectoryStream<Path> l2 = Files.newDirectoryStream(a)) {
                    for (Path b : l2) {
                        if (!Files.isDirectory(b, LinkOption.NOFOLLOW_LINKS)) continue;
                        try (DirectoryStream<Path> l3 = Files.newDirectoryStream(b)) {
                            for (Path e : l3) {
                                Inode in = Inode.of(e);
                                if (in.isRegular()) v.visit(e, in);
                            }
                        }
                    }
                }
            }
        }
    }

    private static boolean removeEmptyDirs(Path d, boolean top) throws IOException {
        boolean empty = true;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path c : ds) {
                if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS) && removeEmptyDirs(c, false)) continue;
                empty = false;
            }
        }
        if (empty && !top) Files.delete(d);
        return empty;
    }
}
