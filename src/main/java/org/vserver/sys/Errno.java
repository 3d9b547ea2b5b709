package org.vserver.sys;

/** Linux errno values by name (asm-generic/errno-base.h, errno.h), for messages. */
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
        NAMES[110] = "ETIMEDOUT";
        NAMES[111] = "ECONNREFUSED";
        NAMES[122] = "EDQUOT";
    }

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, ECHILD = 10, EAGAIN = 11, EACCES = 13,
            EBUSY = 16, EEXIST = 17, EXDEV = 18, EINVAL = 22, ELOOP = 40, ENOSYS = 38, EPIPE = 32, EPROTO = 71;

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
}
