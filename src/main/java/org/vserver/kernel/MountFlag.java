package org.vserver.kernel;

import java.util.Set;

/** mount(2) flags (linux/mount.h). Bits are cross-checked against libc by the launcher's text rendering. */
public enum MountFlag {
    RDONLY(1L),
    NOSUID(2L),
    NODEV(4L),
    NOEXEC(8L),
    SYNCHRONOUS(16L),
    REMOUNT(32L),
    MANDLOCK(64L),
    DIRSYNC(128L),
    NOSYMFOLLOW(256L),
    NOATIME(1024L),
    NODIRATIME(2048L),
    BIND(4096L),
    MOVE(8192L),
    REC(16384L),
    SILENT(32768L),
    POSIXACL(1L << 16),
    UNBINDABLE(1L << 17),
    PRIVATE(1L << 18),
    SLAVE(1L << 19),
    SHARED(1L << 20),
    RELATIME(1L << 21),
    STRICTATIME(1L << 24),
    LAZYTIME(1L << 25);

    private final long bit;

    MountFlag(long bit) { this.bit = bit; }

    public long bit() { return bit; }

    public static long bits(Set<MountFlag> flags) {
        long b = 0;
        for (MountFlag f : flags) b |= f.bit;
        return b;
    }
}
