package org.vserver.unify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Replacing a file renames over it, which sets its directory's mtime; a run puts the times back
 * when the directory is done, so {@code find -newer} and tree checksums see no change. Between
 * the first rename and that reset a kill would lose the old times, so they are written first to
 * one file in the store ({@code .dirtimes}; a run changes one directory at a time), and the next
 * run restores them. Format: {@code mtimeSec mtimeNanos atimeSec atimeNanos\n<path>}.
 */
final class DirTimesJournal {

    record Entry(Path dir, Instant mtime, Instant atime) {}

    private final Path file;

    DirTimesJournal(HashStore store) { this.file = store.dir().resolve(HashStore.DIR_TIMES); }

    /** Written atomically (temp + rename), so a kill leaves the old journal or the new one, never half. */
    void write(Entry e) throws IOException {
        String text = e.mtime.getEpochSecond() + " " + e.mtime.getNano() + " " + e.atime.getEpochSecond() + " "
                + e.atime.getNano() + "\n" + e.dir;
        Path tmp = file.resolveSibling(HashStore.DIR_TIMES + ".new");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The journal a killed run left, or null. */
    Entry read() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        int nl = text.indexOf('\n');
        String[] t = nl < 0 ? new String[0] : text.substring(0, nl).split(" ");
        if (t.length != 4) throw new IOException(file + ": not a directory-times journal: remove it");
        return new Entry(Path.of(text.substring(nl + 1)),
                Instant.ofEpochSecond(Long.parseLong(t[0]), Long.parseLong(t[1])),
                Instant.ofEpochSecond(Long.parseLong(t[2]), Long.parseLong(t[3])));
    }

    void clear() throws IOException { Files.deleteIfExists(file); }

    /** utimensat(2) on the directory itself (never through a symlink). */
    static void restore(Entry e) throws IOException {
        if (!Files.isDirectory(e.dir, LinkOption.NOFOLLOW_LINKS)) return;   // gone since: nothing to restore
        Files.getFileAttributeView(e.dir, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(e.mtime), FileTime.from(e.atime), null);
    }
}
