package org.vserver.disk;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

import org.vserver.sys.FileStat;
import org.vserver.sys.Syscalls;
import org.vserver.tag.FileWalk;

/**
 * util-vserver's {@code vdu}: the space and inodes the files below some directories take, counted
 * as a disk limit counts them. The walk stays on each directory's filesystem and follows no link
 * ({@link FileWalk}); space is the blocks allocated ({@code st_blocks}, so a sparse file counts what
 * it holds, not its size). An inode with several hard links is counted once across every directory
 * this instance walks: one instance per question.
 */
public final class DiskUsage {
    /** What one directory holds: KiB allocated and inodes (the directory itself included). */
    public record Count(long spaceKib, long inodes) {}

    /** A file with more than one link, as {@code dev:ino}. */
    private record Inode(long dev, long ino) {}

    private final FileWalk walk;
    private final Set<Inode> seen = new HashSet<>();

    public DiskUsage(Syscalls sys) {
        this.walk = new FileWalk(sys, new FileWalk.Options(true, true, true, true));
    }

    /**
     * Counts {@code dir} and what is below it; hard links already counted (here or in an earlier
     * call) are skipped. A file that cannot be read goes to {@code failed} and the walk goes on.
     */
    public Count count(String dir, Consumer<IOException> failed) {
        long[] blocks = {0}, inodes = {0};
        walk.walk(dir, (path, fd, st) -> {
            if (first(st)) {
                blocks[0] += st.blocks();
                inodes[0]++;
            }
        }, failed);
        return new Count(blocks[0] / 2, inodes[0]);    // st_blocks counts 512-byte units
    }

    /** A directory cannot be hard-linked: only other files with nlink > 1 are remembered. */
    private boolean first(FileStat st) {
        return st.isDirectory() || st.nlink() <= 1 || seen.add(new Inode(st.dev(), st.ino()));
    }
}
