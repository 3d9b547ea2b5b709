package org.vserver.fs;

import static org.vserver.sys.Syscalls.AT_FDCWD;
import static org.vserver.sys.Syscalls.O_DIRECTORY;
import static org.vserver.sys.Syscalls.O_NOCTTY;
import static org.vserver.sys.Syscalls.O_NOFOLLOW;
import static org.vserver.sys.Syscalls.O_NONBLOCK;
import static org.vserver.sys.Syscalls.O_PATH;
import static org.vserver.sys.Syscalls.O_RDONLY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.ProcStat;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.FileStat;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * The host reading a file that a guest controls (its /etc/passwd for {@code suexec}, and any
 * later storage step): one resolver, by descriptor, so that nothing in the guest's tree can lead
 * the host elsewhere. A path is looked up with {@code openat2(root, path, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS)} from a descriptor of the guest's root:
 * <ul>
 * <li>every link on the way is followed as the guest would follow it: an absolute target and
 *     ".." start again at, and stop at, the guest's root ({@code etc -> /srv/host-secrets} names the
 *     guest's own /srv/host-secrets, which usually does not exist);</li>
 * <li>no /proc magic link ({@code /proc/1/root}, {@code /proc/self/fd/N}) is crossed: those lead to
 *     whatever the process holds, the host's root included;</li>
 * <li>the last component is not followed at all ({@code O_NOFOLLOW}), and must be a regular file
 *     ({@code fstat} on the {@code O_PATH} descriptor): {@code passwd -> /dev/zero}, a FIFO or a
 *     device node is refused before it is opened for reading, so opening has no side effect and
 *     cannot block;</li>
 * <li>at most {@code maxBytes} are read ({@link #MAX_BYTES} by default): a huge or endless file
 *     is an error, not a JVM that fills its heap.</li>
 * </ul>
 * The regular file is then opened for reading through {@code /proc/self/fd/N} of the checked
 * {@code O_PATH} descriptor, so the inode that was checked is the one read: a rename in the guest
 * between the two steps changes nothing.
 */
public final class GuestFiles implements AutoCloseable {
    /** The most the host reads of one guest file: passwd and group of a large site are far below. */
    public static final int MAX_BYTES = 4 << 20;

    private static final long RESOLVE = Syscalls.RESOLVE_IN_ROOT | Syscalls.RESOLVE_NO_MAGICLINKS;

    private final Syscalls sys;
    private final ProcFs proc;
    private final int root;
    private final String where;

    private GuestFiles(Syscalls sys, ProcFs proc, int root, String where) {
        this.sys = sys;
        this.proc = proc;
        this.root = root;
        this.where = where;
    }

    /**
     * The tree below {@code root} (a vdir). The path of the root itself is the admin's and is
     * resolved on the host; everything below it is the guest's. {@code proc} is this process's
     * /proc, whose {@code self/fd} links reopen a checked file.
     */
    public static GuestFiles at(Syscalls sys, ProcFs proc, Path root) throws IOException {
        return new GuestFiles(sys, proc, sys.openat(AT_FDCWD, root.toString(), O_PATH | O_DIRECTORY), root.toString());
    }

    /**
     * The root of process {@code pid} as its own mount namespace sees it ({@code /proc/PID/root}):
     * for a running guest, what the guest's programs see as "/", with the guest's own mounts. The
     * process must still be {@code process} (the guest's init as its run
     * state recorded it): the start time is read through a descriptor of {@code /proc/PID}, and the
     * root is opened through the same descriptor, which keeps naming that process (it fails if the
     * process exits, even if its pid is reused meanwhile).
     */
    public static GuestFiles ofProcess(Syscalls sys, ProcFs proc, GuestProcess process) throws IOException {
        int pid = process.pid();
        String dir = proc.pid(pid).toString();
        int pidDir;
        try {
            pidDir = sys.openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) throw gone(pid);
            throw e;
        }
        try {
            int statFd = sys.openat(pidDir, "stat", O_RDONLY);
            ProcStat now;
            try {
                now = ProcStat.parse(new String(readAtMost(sys, statFd, 4096), StandardCharsets.US_ASCII));
            } finally {
                sys.close(statFd);
            }
            if (!process.isStill(now)) throw gone(pid);
            try {
                return new GuestFiles(sys, proc, sys.openat(pidDir, "root", O_PATH | O_DIRECTORY), dir + "/root");
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ESRCH) throw gone(pid);
                throw e;
            }
        } finally {
            sys.close(pidDir);
        }
    }

    private static IOException gone(int pid) {
        return new IOException("the guest's init (pid " + pid + ") exited meanwhile: the guest is not running any more");
    }

    /**
     * The contents of the regular file {@code path} (relative to the guest's root; a leading '/'
     * is the same), at most {@code maxBytes}.
     *
     * @throws NoSuchFileException if it (or a directory on the way) does not exist in the guest
     * @throws IOException         naming the guest path if it is not a regular file, is larger than
     *                             {@code maxBytes}, or a lookup failed
     */
    public byte[] read(String path, int maxBytes) throws IOException {
        return read(path, maxBytes, false);
    }

    /**
     * {@link #read}, but a link at the end of the path is followed too (inside the guest, as every
     * other link): for files that distributions ship as links, such as etc/os-release ->
     * ../usr/lib/os-release. What it leads to must still be a regular file.
     */
    public byte[] readFollowingLinks(String path, int maxBytes) throws IOException {
        return read(path, maxBytes, true);
    }

    private byte[] read(String path, int maxBytes, boolean followLast) throws IOException {
        String rel = relative(path);
        int pathFd = resolve(rel, followLast ? O_PATH : O_PATH | O_NOFOLLOW);
        try {
            FileStat st = sys.fstat(pathFd);
            if (!st.isRegular())
                throw new IOException(describe(rel) + " is " + st.kind() + ", not a regular file: the host reads only"
                        + " regular files of a guest" + (followLast ? "" : " and does not follow a link at the end of the path"));
            if (st.size() > maxBytes) throw tooLarge(rel, maxBytes);
            // Reopened through our own /proc/self/fd: exactly the inode checked above, never a path again.
            int fd = sys.open(proc.selfFd(pathFd).toString(), O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
            try {
                byte[] data = readAtMost(sys, fd, maxBytes + 1);
                if (data.length > maxBytes) throw tooLarge(rel, maxBytes);   // grew, or a file whose size lies
                return data;
            } finally {
                sys.close(fd);
            }
        } finally {
            sys.close(pathFd);
        }
    }

    /**
     * A descriptor of the regular file {@code path} of the guest, opened with {@code access}
     * ({@code O_RDONLY} or {@code O_WRONLY}, plus {@code O_NONBLOCK | O_NOCTTY}), for a file the host
     * keeps reading or changes in place (a guest's console): found and checked as {@link #read}
     * does, a link at the end not followed. The caller closes it.
     */
    public int openRegular(String path, int access) throws IOException {
        String rel = relative(path);
        int pathFd = resolve(rel, O_PATH | O_NOFOLLOW);
        try {
            FileStat st = sys.fstat(pathFd);
            if (!st.isRegular())
                throw new IOException(describe(rel) + " is " + st.kind() + ", not a regular file: the host opens only"
                        + " regular files of a guest and does not follow a link at the end of the path");
            return sys.open(proc.selfFd(pathFd).toString(), access | O_NONBLOCK | O_NOCTTY, 0);
        } finally {
            sys.close(pathFd);
        }
    }

    /** {@link #read} with {@link #MAX_BYTES}, empty if the file does not exist in the guest. */
    public Optional<byte[]> readIfExists(String path) throws IOException {
        try {
            return Optional.of(read(path, MAX_BYTES));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The lines of a text file of the guest (UTF-8), empty if it does not exist. */
    public List<String> lines(String path) throws IOException {
        return readIfExists(path).map(b -> new String(b, StandardCharsets.UTF_8).lines().toList()).orElse(List.of());
    }

    /**
     * What {@code path} names once every link, the last one included, is followed inside the guest
     * (as {@code stat(2)} in the guest would answer); empty if it leads nowhere in the guest.
     */
    public Optional<FileStat> stat(String path) throws IOException {
        String rel = relative(path);
        int fd;
        try {
            fd = resolve(rel, O_PATH);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(sys.fstat(fd));
        } finally {
            sys.close(fd);
        }
    }

    private int resolve(String rel, int flags) throws IOException {
        try {
            return sys.openat2(root, rel, flags, RESOLVE);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR)
                throw new NoSuchFileException(describe(rel), null, "no such file in the guest");
            if (e.errno() == Errno.ENOSYS)
                throw new IOException("openat2 is missing (Linux 5.6 or later is needed): the host does not read "
                        + describe(rel) + " without it");
            if (e.errno() == Errno.ELOOP)
                throw new IOException(describe(rel) + ": a /proc magic link or too many links on the way ("
                        + e.getMessage() + "); the host does not follow those into a guest");
            throw new IOException(describe(rel) + ": " + e.getMessage(), e);
        }
    }

    private String describe(String rel) {
        return "/" + rel + " of the guest (root " + where + ")";
    }

    private IOException tooLarge(String rel, int maxBytes) {
        return new IOException(describe(rel) + " is larger than " + maxBytes + " bytes, the most the host reads of a guest file");
    }

    private static String relative(String path) {
        String rel = path.replaceFirst("^/+", "");
        return rel.isEmpty() ? "." : rel;
    }

    /** Reads until EOF or {@code limit} bytes, whichever comes first. */
    private static byte[] readAtMost(Syscalls sys, int fd, int limit) throws ErrnoException {
        byte[] buf = new byte[Math.min(limit, 64 * 1024)];
        int n = 0;
        while (n < limit) {
            if (n == buf.length) buf = Arrays.copyOf(buf, (int) Math.min((long) limit, 2L * buf.length));
            int r = sys.read(fd, buf, n, buf.length - n);
            if (r == 0) break;
            n += r;
        }
        return Arrays.copyOf(buf, n);
    }

    @Override
    public void close() {
        sys.close(root);
    }
}
