package org.vserver.sys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one table of Linux errno values (asm-generic/errno-base.h, errno.h): names for messages, numbers
 * for comparisons, and the translation into the JDK's IOException types (as sun.nio.fs.UnixException does).
 */
public final class Errno {
    private static final String[] NAMES = new String[134];

    static {
        String[] base = {null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
            "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
            "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE",
            "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS",
            "ENOTEMPTY", "ELOOP"};
        System.arraycopy(base, 0, NAMES, 0, base.length);
        NAMES[61] = "ENODATA";
        NAMES[71] = "EPROTO";
        NAMES[75] = "EOVERFLOW";
        NAMES[95] = "EOPNOTSUPP";
        NAMES[97] = "EAFNOSUPPORT";
        NAMES[98] = "EADDRINUSE";
        NAMES[99] = "EADDRNOTAVAIL";
        NAMES[101] = "ENETUNREACH";
        NAMES[110] = "ETIMEDOUT";
        NAMES[111] = "ECONNREFUSED";
        NAMES[122] = "EDQUOT";
    }

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, ECHILD = 10, EAGAIN = 11, EACCES = 13,
            EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EINVAL = 22, ENOSPC = 28, EPIPE = 32, ENOSYS = 38,
            ENOTEMPTY = 39, ELOOP = 40, EPROTO = 71, EOPNOTSUPP = 95, EADDRNOTAVAIL = 99, ENETUNREACH = 101;

    private Errno() {}

    /** The number of the errno named {@code name} ("EPERM"), or -1 if it has no name here. */
    public static int number(String name) {
        for (int i = 1; i < NAMES.length; i++) if (name.equals(NAMES[i])) return i;
        return -1;
    }

    /** "EPERM", or "errno 200" for a number without a name here. */
    public static String name(int errno) {
        return errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "errno " + errno;
    }

    /**
     * A failed syscall as the JDK's file exception for its errno, the way java.nio reports it:
     * ENOENT → NoSuchFileException, EACCES/EPERM → AccessDeniedException, EEXIST →
     * FileAlreadyExistsException, ENOTEMPTY → DirectoryNotEmptyException, ENOTDIR → NotDirectoryException,
     * anything else a FileSystemException; the reason is the message of {@code e}, and {@code e} the cause.
     */
    public static FileSystemException translate(ErrnoException e) {
        String file = e.path();
        FileSystemException x = switch (e.errno()) {
            case ENOENT -> new NoSuchFileException(file, null, e.getMessage());
            case EACCES, EPERM -> new AccessDeniedException(file, null, e.getMessage());
            case EEXIST -> new FileAlreadyExistsException(file, null, e.getMessage());
            case ENOTEMPTY -> new DirectoryNotEmptyException(file);
            case ENOTDIR -> new NotDirectoryException(file);
            default -> new FileSystemException(file, null, e.getMessage());
        };
        x.initCause(e);
        return x;
    }

    /**
     * The errno behind an I/O failure, or 0 if none is known: an {@link ErrnoException}'s own (also as the
     * cause of a {@link #translate}d one), or the one the JDK's typed file exceptions stand for. A plain IOException of the JDK (a read(2) of /proc that
     * failed with ESRCH, say) carries only strerror's text: that text is matched against this table's
     * strerror here, the one place the JDK's message is read, so that callers compare numbers.
     */
    public static int of(IOException e) {
        return switch (e) {
            case ErrnoException x -> x.errno();
            case FileSystemException x when x.getCause() instanceof ErrnoException c -> c.errno();   // from translate()
            case NoSuchFileException x -> ENOENT;
            case AccessDeniedException x -> EACCES;
            case FileAlreadyExistsException x -> EEXIST;
            case DirectoryNotEmptyException x -> ENOTEMPTY;
            case NotDirectoryException x -> ENOTDIR;
            case FileSystemException x -> x.getReason() == null ? 0 : byText(x.getReason());
            default -> e.getMessage() == null ? 0 : byText(e.getMessage());
        };
    }

    private static int byText(String message) {
        for (int i = 1; i < NAMES.length; i++)
            if (NAMES[i] != null && message.equals(LinuxSyscalls.strerror(i))) return i;
        return 0;
    }
}
