package org.vserver.seccomp;

import org.vserver.sys.Errno;

/** A seccomp return value (SECCOMP_RET_*): allow, fail with an errno, or kill the process. */
public record Action(int value) implements Decision {
    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_ERRNO = 0x00050000;
    public static final int RET_ALLOW = 0x7fff0000;

    public static final Action ALLOW = new Action(RET_ALLOW);
    public static final Action KILL_PROCESS = new Action(RET_KILL_PROCESS);
    public static final Action EPERM = errno(Errno.EPERM);
    public static final Action ENOSYS = errno(Errno.ENOSYS);

    public static Action errno(int errno) {
        if (errno < 1 || errno > 4095) throw new IllegalArgumentException("errno " + errno + " out of range 1..4095");
        return new Action(RET_ERRNO | errno);
    }

    @Override
    public String toString() {
        if (value == RET_ALLOW) return "ALLOW";
        if (value == RET_KILL_PROCESS) return "KILL_PROCESS";
        if ((value & 0xffff0000) == RET_ERRNO) return Errno.name(value & 0xffff);
        return "0x" + Integer.toHexString(value);
    }
}
