package org.vserver.tag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.FileStat;
import org.vserver.sys.Syscalls;

/**
 * The files named on lsxid's and chxid's command lines, and below them: util-vserver's fstool walk,
 * done through file descriptors.
 *
 * <p>Why fds: chxid runs as root over trees a running guest can write to (a shared bind mount, the
 * guest's own root). Walking by path, a guest could swap a directory for a link to {@code /etc}
 * between the check and the chown, and root would chown the host's files (the classic
 * {@code chown -R} race). Here every file is opened {@code O_PATH|O_NOFOLLOW} relative to its
 * parent's fd, its type is read from that fd, a directory is listed through a fd of the very
 * directory checked, and the caller acts on the fd. A link is a file like any other: seen, never
 * followed. Only the paths named on the command line are resolved by the kernel up to their last
 * component (the admin's own links on the way are followed, as {@code ls} and {@code chown} do).
 */
public final class FileWalk {

    /**
     * @param recursive     descend into every directory below (-R)
     * @param contents      a directory named on the command line stands for itself and its entries
     *                      (lsxid without -d, as ls); else for itself only (chxid, as chown)
     * @param dotfiles      entries whose name starts with '.' too (lsxid -a; chxid always)
     * @param oneFilesystem skip entries on another filesystem than their directory (-x): neither
     *                      shown nor entered, as util-vserver
     */
    public record Options(boolean recursive, boolean contents, boolean dotfiles, boolean oneFilesystem) {}

    /** One file, as the user would name it; {@code fd} is an O_PATH fd of it, valid during the call. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String path, int fd, FileStat st) throws IOException;
    }

    private final Syscalls sys;
    private final Options options;

    public FileWalk(Syscalls sys, Options options) {
        this.sys = sys;
        this.options = options;
    }

    /**
     * Visits {@code path} and, as the options say, what is below it: in a directory, its own entry
     * first, then the files in name order, then each subdirectory in name order. A failure (the
     * visitor's, or a syscall's naming the file's path) goes to {@code failed} and the walk goes on.
     *
     * @return whether nothing failed
     */
    public boolean walk(String path, Visitor visitor, Consumer<IOException> failed) {
        return opened(Syscalls.AT_FDCWD, path, path, failed, (fd, st) -> st.isDirectory() && (options.recursive() || options.contents())
                ? directory(path, fd, st, visitor, failed) : visit(path, fd, st, visitor, failed));
    }

    /** What is done with a file opened and stat'ed; whether nothing failed. */
    @FunctionalInterface
    private interface Opened {
        boolean with(int fd, FileStat st);
    }

    /** {@code name} in {@code dirfd} opened O_PATH|O_NOFOLLOW and fstat'ed for {@code then}; a failure names {@code path}. */
    private boolean opened(int dirfd, String name, String path, Consumer<IOException> failed, Opened then) {
        int fd;
        try {
            fd = sys.openat(dirfd, name, Syscalls.O_PATH | Syscalls.O_NOFOLLOW);
        } catch (ErrnoException e) {
            failed.accept(e.at(path));
            return false;
        }
        try {
            return then.with(fd, sys.fstat(fd));
        } catch (ErrnoException e) {
            failed.accept(e.at(path));
            return false;
        } finally {
            sys.close(fd);
        }
    }

    private boolean directory(String path, int fd, FileStat st, Visitor visitor, Consumer<IOException> failed) {
        boolean ok = visit(path, fd, st, visitor, failed);
        List<String> names;
        try {
            names = list(fd);
        } catch (ErrnoException e) {
            failed.accept(e.at(path));
            return false;
        }
        List<String> subdirs = new ArrayList<>();
        for (String name : names) {
            if (!options.dotfiles() && name.startsWith(".")) continue;
            ok &= entry(path, fd, st.dev(), name, visitor, failed, subdirs);
        }
        for (String name : subdirs) ok &= entry(path, fd, st.dev(), name, visitor, failed, null);
        return ok;
    }

    /**
     * One entry of the directory {@code dirfd}: a subdirectory is put on {@code subdirs} (entered
     * after the files) while there is such a list, else entered (-R) or visited.
     */
    private boolean entry(String dir, int dirfd, long dev, String name, Visitor visitor, Consumer<IOException> failed,
                          List<String> subdirs) {
        String path = join(dir, name);
        return opened(dirfd, name, path, failed, (fd, st) -> {
            if (options.oneFilesystem() && st.dev() != dev) return true;
            if (st.isDirectory() && options.recursive()) {
                if (subdirs == null) return directory(path, fd, st, visitor, failed);
                subdirs.add(name);
                return true;
            }
            return visit(path, fd, st, visitor, failed);
        });
    }

    /** The names in the directory an O_PATH fd refers to, sorted: read through a fd of that very directory. */
    private List<String> list(int pathFd) throws ErrnoException {
        int dfd = sys.openat(pathFd, ".", Syscalls.O_RDONLY | Syscalls.O_DIRECTORY);
        try {
            return sys.getdents(dfd).stream().sorted().toList();
        } finally {
            sys.close(dfd);
        }
    }

    private static boolean visit(String path, int fd, FileStat st, Visitor visitor, Consumer<IOException> failed) {
        try {
            visitor.visit(path, fd, st);
            return true;
        } catch (IOException e) {
            failed.accept(e);
            return false;
        }
    }

    /** {@code dir/name}, without doubling a trailing slash ({@code /}, {@code tree/}). */
    static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
