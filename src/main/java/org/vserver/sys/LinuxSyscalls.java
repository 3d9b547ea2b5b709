package org.vserver.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Syscalls} on glibc through the FFM API: one downcall per function, errno captured. */
public final class LinuxSyscalls implements Syscalls {
    /** The FFM machinery, made on the first syscall: a command that makes none does not pay for it. */
    private static final class Ffm {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    }

    private static final int O_CLOEXEC = 02000000;
    private static final short POLLIN = 1;
    /*
     * include/uapi/linux/pidfd.h (Linux 6.15): struct pidfd_info { __u64 mask; __u64 cgroupid;
     * __u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid; __s32 exit_code; ... }.
     * Its first version (PIDFD_INFO_SIZE_VER0) is 64 bytes with exit_code at 60; the ioctl is
     * extensible (the size is in the request number), so asking with 64 bytes works on later kernels too.
     */
    private static final int PIDFD_INFO_SIZE_VER0 = 64;
    private static final int PIDFD_INFO_EXIT_CODE_OFFSET = 60;
    private static final long PIDFD_INFO_EXIT = 1L << 3;
    /** _IOWR(PIDFS_IOCTL_MAGIC 0xFF, 11, struct pidfd_info) with the VER0 size. */
    private static final long PIDFD_GET_INFO = (3L << 30) | ((long) PIDFD_INFO_SIZE_VER0 << 16) | (0xFFL << 8) | 11;
    private static final int F_DUPFD_CLOEXEC = 1030;
    /** x86_64 __NR_openat2 (Linux 5.6). */
    private static final long SYS_OPENAT2 = 437;
    /** struct open_how { u64 flags @0; u64 mode @8; u64 resolve @16; } */
    private static final int OPEN_HOW_SIZE = 24;
    /** openat2's retries on EAGAIN: the launcher's VL_RESOLVE_TRIES. */
    private static final int RESOLVE_TRIES = 256;
    /*
     * x86_64 struct stat (asm/stat.h): u64 st_dev @0, u64 st_ino @8, u64 st_nlink @16, u32 st_mode @24,
     * u32 st_uid @28, u32 st_gid @32, pad, u64 st_rdev @40, s64 st_size @48, s64 st_blksize @56,
     * s64 st_blocks @64, then the times; 144 bytes.
     */
    private static final int STAT_SIZE = 144;
    /*
     * x86_64 struct statfs (bits/statfs.h): long f_type @0, f_bsize @8, u64 f_blocks @16, f_bfree @24,
     * f_bavail @32, f_files @40, f_ffree @48, fsid_t f_fsid @56, long f_namelen @64, f_frsize @72,
     * f_flags @80, f_spare[4]; 120 bytes.
     */
    private static final int STATFS_SIZE = 120;
    /** x86_64 __NR_fchmodat2 (Linux 6.6). */
    private static final long SYS_FCHMODAT2 = 452;
    /** Room for one getdents64 call: struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }. */
    private static final int DIRENT_BUF = 32 * 1024;
    /** x86_64 __NR_bpf. */
    private static final long SYS_BPF = 321;
    /** Room for the verifier's log: a rejected small program explains itself in a few KiB. */
    private static final int LOAD_LOG_SIZE = 256 * 1024;
    /* glibc x86-64: posix_spawn_file_actions_t is 80 bytes; rounded up. */
    private static final long FILE_ACTIONS_SIZE = 256;

    /*
     * One holder class per function: a downcall handle costs milliseconds to link, and a command
     * uses only a few of them, so each is made the first time it is called.
     */
    private static final class Geteuid { static final MethodHandle H = plain("geteuid", FunctionDescriptor.of(JAVA_INT)); }
    private static final class Kill { static final MethodHandle H = errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Pipe2 { static final MethodHandle H = errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class Fcntl { static final MethodHandle H = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Read { static final MethodHandle H = errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class Write { static final MethodHandle H = errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    private static final class Close { static final MethodHandle H = plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final class Open { static final MethodHandle H = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)); }
    private static final class Openat { static final MethodHandle H = errno("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT)); }
    /** glibc 2.33+ exports fstat itself (before, it was a macro around __fxstat). */
    private static final class Fstat { static final MethodHandle H = errno("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)); }
    /** syscall(2) for openat2, which glibc does not wrap: (long nr, int dirfd, const char *path, struct open_how *how, size_t size). */
    private static final class SyscallOpenat2 {
        static final MethodHandle H = Ffm.LINKER.downcallHandle(Ffm.LIBC.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }
    private static final class Statfs { static final MethodHandle H = errno("statfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)); }
    private static final class Waitpid { static final MethodHandle H = errno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    /* glibc 2.36+ has wrappers for pidfd_open and pidfd_send_signal (this host's Debian 12 has 2.36). */
    private static final class PidfdOpen { static final MethodHandle H = errno("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class PidfdSendSignal {
        static final MethodHandle H = errno("pidfd_send_signal", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Poll { static final MethodHandle H = errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)); }
    /** ioctl(2) is variadic: the argument after the request is passed as a variadic one. */
    private static final class Ioctl {
        static final MethodHandle H = Ffm.LINKER.downcallHandle(Ffm.LIBC.find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    }
    /**
     * syscall(2), for bpf(2) which glibc does not wrap: variadic after the number, the three bpf
     * arguments passed as variadic ones (int cmd, union bpf_attr *attr, unsigned int size).
     */
    private static final class SyscallBpf {
        static final MethodHandle H = Ffm.LINKER.downcallHandle(Ffm.LIBC.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }
    private static final class Pread { static final MethodHandle H = errno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG)); }
    private static final class Fchownat {
        static final MethodHandle H = errno("fchownat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    /** glibc 2.30+ wraps getdents64. */
    private static final class Getdents64 { static final MethodHandle H = errno("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    /** syscall(2) for fchmodat2: (long nr, int dirfd, const char *path, mode_t mode, unsigned flags), all variadic longs. */
    private static final class SyscallFchmodat2 {
        static final MethodHandle H = Ffm.LINKER.downcallHandle(Ffm.LIBC.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }
    private static final class Ftruncate { static final MethodHandle H = errno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG)); }
    private static final class Strerror { static final MethodHandle H = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT)); }
    /** posix_spawn(3) and its file actions; the launcher resets signal masks and dispositions itself. */
    private static final class Spawn {
        static final MethodHandle SPAWN = plain("posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle FA_INIT = plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FA_DUP2 = plain("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle FA_DESTROY = plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return Ffm.LINKER.downcallHandle(Ffm.LIBC.find(name).orElseThrow(() -> new LinkageError("libc has no " + name)), fd);
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd) {
        return Ffm.LINKER.downcallHandle(Ffm.LIBC.find(name).orElseThrow(() -> new LinkageError("libc has no " + name)), fd,
                Linker.Option.captureCallState("errno"));
    }

    private static int errnoOf(MemorySegment state) { return (int) Ffm.ERRNO.get(state, 0L); }

    /** The body of one call: does the downcalls on {@code c} and gives back what the method returns. */
    @FunctionalInterface
    private interface Native<T> {
        T run(Call c) throws Throwable;
    }

    /** One downcall, its raw result widened to long (negative: failed, errno in the call state). */
    @FunctionalInterface
    private interface Downcall {
        long invoke() throws Throwable;
    }

    /**
     * One call's scope: the arena its memory lives in, the state its errno is captured into, and the
     * syscall name and object ({@code what}: a path, "fd 3", a pid) its failure message names.
     */
    private record Call(Arena arena, MemorySegment state, String name, String what) {
        int errno() { return errnoOf(state); }

        /** The failure of this call with the captured errno. */
        ErrnoException failure() { return fail(name, what, errno()); }

        /** {@code r}, or the failure if it is negative. */
        long check(long r) throws ErrnoException {
            if (r < 0) throw failure();
            return r;
        }

        /** The downcall, again while it fails with one of {@code retryOn} (EINTR, ...); then as {@link #check}. */
        long retry(Downcall d, int... retryOn) throws Throwable {
            return retry(Integer.MAX_VALUE, d, retryOn);
        }

        /** The same, at most {@code tries} times: then the last failure is the answer. */
        long retry(int tries, Downcall d, int... retryOn) throws Throwable {
            for (int i = 1; ; i++) {
                long r = d.invoke();
                if (r >= 0 || i >= tries || !in(errno(), retryOn)) return check(r);
            }
        }
    }

    private static boolean in(int errno, int... set) {
        for (int e : set) if (e == errno) return true;
        return false;
    }

    /**
     * Runs {@code body} in a fresh confined arena with a call state for errno: the one place that owns
     * them. An {@link ErrnoException} passes through; anything else thrown is a bug here (a wrong
     * downcall type) and becomes an AssertionError.
     */
    private static <T> T call(String name, String what, Native<T> body) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            return body.run(new Call(a, a.allocate(Ffm.CALL_STATE), name, what));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A downcall that cannot fail (no errno): anything thrown is a bug here. */
    private static <T> T unchecked(Plain<T> body) {
        try {
            return body.run();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @FunctionalInterface
    private interface Plain<T> {
        T run() throws Throwable;
    }

    /** {@code char *strerror(int errnum)} */
    public static String strerror(int errno) {
        return unchecked(() -> ((MemorySegment) Strerror.H.invokeExact(errno)).reinterpret(4096).getString(0));
    }

    private static ErrnoException fail(String syscall, String path, int errno) {
        return new ErrnoException(syscall, path, errno, strerror(errno));
    }

    @Override
    public int geteuid() {
        return unchecked(() -> (int) Geteuid.H.invokeExact());
    }

    @Override
    public void kill(int pid, int signal) throws ErrnoException {
        call("kill", Integer.toString(pid), c -> c.check((int) Kill.H.invokeExact(c.state(), pid, signal)));
    }

        @Override
    public int[] pipe() throws ErrnoException {
        return call("pipe2", null, c -> {
            MemorySegment fds = c.arena().allocate(JAVA_INT, 2);
            c.check((int) Pipe2.H.invokeExact(c.state(), fds, O_CLOEXEC));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        });
    }

    /** Moves an fd above {@code min} (close-on-exec), so that dup2 sources never collide with targets. */
    private int dupAbove(int fd, int min) throws ErrnoException {
        return call("fcntl", "F_DUPFD_CLOEXEC", c -> (int) c.check((int) Fcntl.H.invokeExact(c.state(), fd, F_DUPFD_CLOEXEC, min)));
    }

    @Override
    public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fds) throws ErrnoException {
        int high = 1 + fds.keySet().stream().mapToInt(Integer::intValue).max().orElse(2);
        var moved = new java.util.LinkedHashMap<Integer, Integer>();
        try {
            return call("posix_spawn", path, c -> {
                Arena a = c.arena();
                for (var e : fds.entrySet()) moved.put(e.getKey(), dupAbove(e.getValue(), Math.max(high, 10)));
                MemorySegment fa = a.allocate(FILE_ACTIONS_SIZE, 16);
                check((int) Spawn.FA_INIT.invokeExact(fa), "posix_spawn_file_actions_init", path);
                try {
                    for (var e : moved.entrySet())
                        check((int) Spawn.FA_DUP2.invokeExact(fa, (int) e.getValue(), (int) e.getKey()), "posix_spawn_file_actions_adddup2", path);
                    MemorySegment pid = a.allocate(JAVA_INT);
                    // posix_spawn returns the error number itself; errno is not set
                    check((int) Spawn.SPAWN.invokeExact(pid, a.allocateFrom(path), fa, MemorySegment.NULL, strv(a, argv), strv(a, envp)),
                            "posix_spawn", path);
                    return pid.get(JAVA_INT, 0);
                } finally {
                    int d = (int) Spawn.FA_DESTROY.invokeExact(fa);
                    assert d == 0;
                }
            });
        } finally {
            for (int fd : moved.values()) close(fd);
        }
    }

    /** For the functions that return the error number rather than setting errno (posix_spawn and its file actions). */
    private static void check(int rc, String fn, String path) throws ErrnoException {
        if (rc != 0) throw fail(fn, path, rc);
    }

    private static MemorySegment strv(Arena a, List<String> strings) {
        MemorySegment v = a.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) v.setAtIndex(ADDRESS, i, a.allocateFrom(strings.get(i)));
        v.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return v;
    }

    @Override
    public int read(int fd, byte[] buf, int off, int len) throws ErrnoException {
        return call("read", "fd " + fd, c -> {
            MemorySegment b = c.arena().allocate(Math.max(1, len));
            int n = (int) c.retry(() -> (long) Read.H.invokeExact(c.state(), fd, b, (long) len), Errno.EINTR);
            MemorySegment.copy(b, JAVA_BYTE_LAYOUT, 0, buf, off, n);
            return n;
        });
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;

    @Override
    public void write(int fd, byte[] buf) throws ErrnoException {
        call("write", "fd " + fd, c -> {
            MemorySegment b = c.arena().allocate(Math.max(1, buf.length));
            MemorySegment.copy(buf, 0, b, JAVA_BYTE_LAYOUT, 0, buf.length);
            long done = 0;
            while (done < buf.length) {
                long from = done;
                done += c.retry(() -> (long) Write.H.invokeExact(c.state(), fd, b.asSlice(from), (long) buf.length - from), Errno.EINTR);
            }
            return null;
        });
    }

    @Override
    public void close(int fd) {
        int r = unchecked(() -> (int) Close.H.invokeExact(fd));
        assert r == 0 || r == -1; // close errors leave nothing to recover (EINTR still closed the fd on Linux)
    }

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        return call("open", path, c -> (int) c.check((int) Open.H.invokeExact(c.state(), c.arena().allocateFrom(path), flags | O_CLOEXEC, mode)));
    }

    @Override
    public int openat(int dirfd, String path, int flags) throws ErrnoException {
        return call("openat", path, c -> (int) c.check((int) Openat.H.invokeExact(c.state(), dirfd, c.arena().allocateFrom(path), flags | O_CLOEXEC, 0)));
    }

    @Override
    public int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException {
        return call("openat2", path, c -> {
            MemorySegment how = c.arena().allocate(OPEN_HOW_SIZE, 8).fill((byte) 0);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags | O_CLOEXEC));
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment p = c.arena().allocateFrom(path);
            // EAGAIN: RESOLVE_IN_ROOT/BENEATH saw a rename or mount change during the walk and cannot
            // vouch for ".."; the kernel asks for a retry (openat2(2)). A guest renaming in a loop can
            // make that happen again and again, so the host gives up after as many tries as the
            // launcher (root.c, VL_RESOLVE_TRIES) and reports EAGAIN. Anything else is the answer.
            return (int) c.retry(RESOLVE_TRIES, () -> (long) SyscallOpenat2.H.invokeExact(c.state(), SYS_OPENAT2, dirfd, p, how,
                    (long) OPEN_HOW_SIZE), Errno.EAGAIN, Errno.EINTR);
        });
    }

    @Override
    public FileStat fstat(int fd) throws ErrnoException {
        return call("fstat", "fd " + fd, c -> {
            MemorySegment s = c.arena().allocate(STAT_SIZE, 8);
            c.check((int) Fstat.H.invokeExact(c.state(), fd, s));
            return new FileStat(s.get(JAVA_LONG, 0), s.get(JAVA_LONG, 8), s.get(JAVA_INT, 24), s.get(JAVA_INT, 28),
                    s.get(JAVA_INT, 32), s.get(JAVA_LONG, 48), s.get(JAVA_LONG, 64), s.get(JAVA_LONG, 16));
        });
    }

    @Override
    public StatFs statfs(String path) throws ErrnoException {
        return call("statfs", path, c -> {
            MemorySegment s = c.arena().allocate(STATFS_SIZE, 8);
            c.check((int) Statfs.H.invokeExact(c.state(), c.arena().allocateFrom(path), s));
            long frsize = s.get(JAVA_LONG, 72);
            return new StatFs(s.get(JAVA_LONG, 0), frsize > 0 ? frsize : s.get(JAVA_LONG, 8), s.get(JAVA_LONG, 16),
                    s.get(JAVA_LONG, 24), s.get(JAVA_LONG, 32), s.get(JAVA_LONG, 40), s.get(JAVA_LONG, 48));
        });
    }

    @Override
    public void fchownat(int dirfd, String path, int uid, int gid, int flags) throws ErrnoException {
        call("fchownat", path.isEmpty() ? "fd " + dirfd : path,
                c -> c.check((int) Fchownat.H.invokeExact(c.state(), dirfd, c.arena().allocateFrom(path), uid, gid, flags)));
    }

    @Override
    public void fchmodat2(int dirfd, String path, int mode, int flags) throws ErrnoException {
        call("fchmodat2", path.isEmpty() ? "fd " + dirfd : path, c -> c.check((long) SyscallFchmodat2.H.invokeExact(c.state(),
                SYS_FCHMODAT2, (long) dirfd, c.arena().allocateFrom(path), Integer.toUnsignedLong(mode), Integer.toUnsignedLong(flags))));
    }

    @Override
    public List<String> getdents(int fd) throws ErrnoException {
        return call("getdents64", "fd " + fd, c -> {
            MemorySegment buf = c.arena().allocate(DIRENT_BUF, 8);
            List<String> names = new ArrayList<>();
            for (;;) {
                long n = c.retry(() -> (long) Getdents64.H.invokeExact(c.state(), fd, buf, (long) DIRENT_BUF), Errno.EINTR);
                if (n == 0) return names;
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 16));
                    String name = buf.getString(off + 19);
                    if (!name.equals(".") && !name.equals("..")) names.add(name);
                    off += reclen;
                }
            }
        });
    }

    @Override
    public int pread(int fd, byte[] buf, int off, int len, long offset) throws ErrnoException {
        return call("pread", "fd " + fd, c -> {
            MemorySegment b = c.arena().allocate(Math.max(1, len));
            int n = (int) c.retry(() -> (long) Pread.H.invokeExact(c.state(), fd, b, (long) len, offset), Errno.EINTR);
            MemorySegment.copy(b, JAVA_BYTE_LAYOUT, 0, buf, off, n);
            return n;
        });
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        call("ftruncate", "fd " + fd, c -> c.check((int) Ftruncate.H.invokeExact(c.state(), fd, length)));
    }

    @Override
    public int waitpid(int pid) throws ErrnoException {
        return call("waitpid", Integer.toString(pid), c -> {
            MemorySegment status = c.arena().allocate(JAVA_INT);
            c.retry(() -> (int) Waitpid.H.invokeExact(c.state(), pid, status, 0), Errno.EINTR);
            return status.get(JAVA_INT, 0);
        });
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        return call("pidfd_open", Integer.toString(pid), c -> (int) c.check((int) PidfdOpen.H.invokeExact(c.state(), pid, 0)));
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        call("pidfd_send_signal", "pidfd " + pidfd,
                c -> c.check((int) PidfdSendSignal.H.invokeExact(c.state(), pidfd, signal, MemorySegment.NULL, 0)));
    }

    @Override
    public boolean pollIn(int fd, long timeoutMillis) throws ErrnoException {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000;
        return call("poll", "fd " + fd, c -> {
            MemorySegment pfd = c.arena().allocate(8, 4);          // struct pollfd { int fd; short events; short revents; }
            while (true) {
                long r = c.retry(() -> {
                    pfd.set(JAVA_INT, 0, fd);
                    pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, POLLIN);
                    pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 6, (short) 0);
                    long left = timeoutMillis < 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                    return (int) Poll.H.invokeExact(c.state(), pfd, 1L, (int) Math.min(left, Integer.MAX_VALUE));
                }, Errno.EINTR);
                if (r > 0) return true;       // POLLIN, or POLLHUP/POLLERR: either way nothing is left to wait for
                if (timeoutMillis >= 0 && System.nanoTime() >= deadline) return false;
                // else a timeout clamped to Integer.MAX_VALUE ms: poll again
            }
        });
    }

    @Override
    public java.util.OptionalInt pidfdExitStatus(int pidfd) {
        // ESRCH: reaped but no exit info; ENOTTY/EINVAL: a kernel before 6.15. All mean "unknown", so no failure is thrown.
        return unchecked(() -> call("ioctl", "PIDFD_GET_INFO", c -> {
            MemorySegment info = c.arena().allocate(PIDFD_INFO_SIZE_VER0, 8);
            info.set(JAVA_LONG, 0, PIDFD_INFO_EXIT);
            int r = (int) Ioctl.H.invokeExact(c.state(), pidfd, PIDFD_GET_INFO, info);
            if (r < 0 || (info.get(JAVA_LONG, 0) & PIDFD_INFO_EXIT) == 0) return java.util.OptionalInt.empty();
            return java.util.OptionalInt.of(info.get(JAVA_INT, PIDFD_INFO_EXIT_CODE_OFFSET));
        }));
    }

    /**
     * bpf(2) with {@code attr} (its size is what the kernel is told); retries EAGAIN (the verifier can answer
     * it under memory pressure) and EINTR a few times, then gives back the raw result for the caller to judge.
     */
    private static long bpf(Call c, int cmd, MemorySegment attr) throws Throwable {
        long r = -1;
        for (int i = 0; i < 5; i++) {
            r = (long) SyscallBpf.H.invokeExact(c.state(), SYS_BPF, cmd, attr, BpfAttr.size(attr));
            if (r >= 0 || !in(c.errno(), Errno.EAGAIN, Errno.EINTR)) return r;
        }
        return r;
    }

    @Override
    public int bpfProgLoad(int progType, byte[] insns, String license, String name, int expectedAttachType) throws ErrnoException {
        return bpfProgLoad(progType, insns, license, name, expectedAttachType, new int[0]);
    }

    @Override
    public int bpfProgLoad(int progType, byte[] insns, String license, String name, int expectedAttachType, int[] fdArray)
            throws ErrnoException {
        if (insns.length == 0 || insns.length % 8 != 0) throw new IllegalArgumentException("eBPF code of " + insns.length + " bytes");
        byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (nameBytes.length >= BpfAttr.LOAD_NAME_LEN) throw new IllegalArgumentException("eBPF program name too long: " + name);
        return call("bpf", "BPF_PROG_LOAD " + name, c -> {
            Arena a = c.arena();
            MemorySegment code = a.allocate(insns.length, 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE_LAYOUT, 0, insns.length);
            MemorySegment log = a.allocate(LOAD_LOG_SIZE).fill((byte) 0);
            long fd = bpf(c, BpfAttr.BPF_PROG_LOAD, BpfAttr.progLoad(a, progType, code, license, log, nameBytes, expectedAttachType, fdArray));
            if (fd < 0) {
                int e = c.errno();
                String verifier = log.getString(0).strip();
                throw new ErrnoException(c.name(), c.what(), e,
                        strerror(e) + (verifier.isEmpty() ? "" : "; the verifier says: " + lastLines(verifier, 6)));
            }
            return (int) fd;
        });
    }

    @Override
    public int bpfMapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name, int btfFd,
                            int btfKeyTypeId, int btfValueTypeId) throws ErrnoException {
        byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (nameBytes.length >= BpfAttr.LOAD_NAME_LEN) throw new IllegalArgumentException("eBPF map name too long: " + name);
        return call("bpf", "BPF_MAP_CREATE " + name, c -> (int) c.check(bpf(c, BpfAttr.BPF_MAP_CREATE,
                BpfAttr.mapCreate(c.arena(), type, keySize, valueSize, maxEntries, flags, nameBytes, btfFd, btfKeyTypeId, btfValueTypeId))));
    }

    @Override
    public int bpfBtfLoad(byte[] btf) throws ErrnoException {
        return call("bpf", "BPF_BTF_LOAD", c -> {
            Arena a = c.arena();
            MemorySegment blob = a.allocate(btf.length, 8);
            MemorySegment.copy(btf, 0, blob, JAVA_BYTE_LAYOUT, 0, btf.length);
            MemorySegment log = a.allocate(LOAD_LOG_SIZE).fill((byte) 0);
            long fd = bpf(c, BpfAttr.BPF_BTF_LOAD, BpfAttr.btfLoad(a, blob, log));
            if (fd < 0) {
                int e = c.errno();
                String checker = log.getString(0).strip();
                throw new ErrnoException(c.name(), c.what(), e,
                        strerror(e) + (checker.isEmpty() ? "" : "; the kernel says: " + lastLines(checker, 6)));
            }
            return (int) fd;
        });
    }

    @Override
    public int bpfLinkCreate(int progFd, int targetFd, int attachType) throws ErrnoException {
        return call("bpf", "BPF_LINK_CREATE prog " + progFd + " target " + targetFd + " attach type " + attachType,
                c -> (int) c.check(bpf(c, BpfAttr.BPF_LINK_CREATE, BpfAttr.linkCreate(c.arena(), progFd, targetFd, attachType))));
    }

    @Override
    public void bpfMapUpdate(int fd, byte[] key, byte[] value) throws ErrnoException {
        call("bpf", "BPF_MAP_UPDATE_ELEM fd " + fd, c -> c.check(bpf(c, BpfAttr.BPF_MAP_UPDATE_ELEM,
                BpfAttr.mapElem(c.arena(), fd, c.arena().allocateFrom(JAVA_BYTE_LAYOUT, key), c.arena().allocateFrom(JAVA_BYTE_LAYOUT, value), 0))));
    }

    @Override
    public boolean bpfMapLookup(int fd, byte[] key, byte[] value) throws ErrnoException {
        return call("bpf", "BPF_MAP_LOOKUP_ELEM fd " + fd, c -> {
            MemorySegment out = c.arena().allocate(Math.max(1, value.length), 8);
            long r = bpf(c, BpfAttr.BPF_MAP_LOOKUP_ELEM, BpfAttr.mapElem(c.arena(), fd, c.arena().allocateFrom(JAVA_BYTE_LAYOUT, key), out, 0));
            if (r < 0 && c.errno() == Errno.ENOENT) return false;
            c.check(r);
            MemorySegment.copy(out, JAVA_BYTE_LAYOUT, 0, value, 0, value.length);
            return true;
        });
    }

    @Override
    public boolean bpfMapDelete(int fd, byte[] key) throws ErrnoException {
        return call("bpf", "BPF_MAP_DELETE_ELEM fd " + fd, c -> {
            long r = bpf(c, BpfAttr.BPF_MAP_DELETE_ELEM, BpfAttr.mapElem(c.arena(), fd, c.arena().allocateFrom(JAVA_BYTE_LAYOUT, key),
                    MemorySegment.NULL, 0));
            if (r < 0 && c.errno() == Errno.ENOENT) return false;
            c.check(r);
            return true;
        });
    }

    /** The end of a verifier log, where the reason is; lines joined with " | " to keep the message on one line. */
    private static String lastLines(String log, int n) {
        List<String> lines = log.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    @Override
    public void bpfProgAttach(int targetFd, int progFd, int attachType, int flags) throws ErrnoException {
        call("bpf", "BPF_PROG_ATTACH fd " + targetFd,
                c -> c.check(bpf(c, BpfAttr.BPF_PROG_ATTACH, BpfAttr.progAttach(c.arena(), targetFd, progFd, attachType, flags))));
    }

    @Override
    public int[] bpfProgQuery(int targetFd, int attachType) throws ErrnoException {
        return call("bpf", "BPF_PROG_QUERY fd " + targetFd, c -> {
            int room = 16;
            while (true) {
                MemorySegment ids = c.arena().allocate(JAVA_INT, room);
                MemorySegment attr = BpfAttr.progQuery(c.arena(), targetFd, attachType, ids);
                long r = bpf(c, BpfAttr.BPF_PROG_QUERY, attr);
                int count = BpfAttr.queryCount(attr);
                if (r < 0 && c.errno() == Errno.ENOSPC && count > room) {  // more programs than room: ask again with enough
                    room = count;
                    continue;
                }
                c.check(r);
                return ids.asSlice(0, (long) count * 4).toArray(JAVA_INT);
            }
        });
    }

    @Override
    public void bpfProgDetach(int targetFd, int progFd, int attachType) throws ErrnoException {
        call("bpf", "BPF_PROG_DETACH fd " + targetFd,
                c -> c.check(bpf(c, BpfAttr.BPF_PROG_DETACH, BpfAttr.progAttach(c.arena(), targetFd, progFd, attachType, 0))));
    }

    @Override
    public int bpfProgTestRun(int progFd, byte[] data) throws ErrnoException {
        return call("bpf", "BPF_PROG_TEST_RUN fd " + progFd, c -> {
            MemorySegment in = c.arena().allocate(Math.max(1, data.length), 8);
            MemorySegment.copy(data, 0, in, JAVA_BYTE_LAYOUT, 0, data.length);
            MemorySegment attr = BpfAttr.progTestRun(c.arena(), progFd, in, data.length);
            c.check(bpf(c, BpfAttr.BPF_PROG_TEST_RUN, attr));
            return BpfAttr.testRunRetval(attr);
        });
    }

    @Override
    public Map<Integer, String> bpfPrograms() throws ErrnoException {
        var out = new java.util.TreeMap<Integer, String>();
        return call("bpf", "BPF_PROG_GET_NEXT_ID", c -> {
            Arena a = c.arena();
            MemorySegment info = a.allocate(BpfAttr.PROG_INFO_SIZE, 8);
            int id = 0;
            while (true) {
                MemorySegment next = BpfAttr.progGetNextId(a, id);
                if (bpf(c, BpfAttr.BPF_PROG_GET_NEXT_ID, next) < 0) {
                    if (c.errno() == Errno.ENOENT) return out;
                    throw c.failure();
                }
                id = BpfAttr.nextId(next);
                long fd = bpf(c, BpfAttr.BPF_PROG_GET_FD_BY_ID, BpfAttr.progGetFdById(a, id));
                if (fd < 0) {
                    if (c.errno() == Errno.ENOENT) continue;                 // unloaded meanwhile
                    throw fail("bpf", "BPF_PROG_GET_FD_BY_ID " + id, c.errno());
                }
                try {
                    info.fill((byte) 0);
                    if (bpf(c, BpfAttr.BPF_OBJ_GET_INFO_BY_FD, BpfAttr.objGetInfoByFd(a, (int) fd, info)) < 0)
                        throw fail("bpf", "BPF_OBJ_GET_INFO_BY_FD " + id, c.errno());
                    out.put(id, info.asSlice(BpfAttr.PROG_INFO_NAME, 16).getString(0));
                } finally {
                    close((int) fd);
                }
            }
        });
    }

    private static final class Socket { static final MethodHandle H = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Bind { static final MethodHandle H = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class Setns { static final MethodHandle H = errno("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Unshare { static final MethodHandle H = errno("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final int SOCK_CLOEXEC = 02000000;

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        return call("socket", "domain " + domain + " type " + type + " protocol " + protocol,
                c -> (int) c.check((int) Socket.H.invokeExact(c.state(), domain, type | SOCK_CLOEXEC, protocol)));
    }

    @Override
    public void bind(int fd, byte[] sockaddr) throws ErrnoException {
        call("bind", "fd " + fd, c -> {
            MemorySegment addr = c.arena().allocate(sockaddr.length, 8);
            MemorySegment.copy(sockaddr, 0, addr, JAVA_BYTE_LAYOUT, 0, sockaddr.length);
            return c.check((int) Bind.H.invokeExact(c.state(), fd, addr, sockaddr.length));
        });
    }

    @Override
    public void setns(int fd, int nstype) throws ErrnoException {
        call("setns", "fd " + fd, c -> c.check((int) Setns.H.invokeExact(c.state(), fd, nstype)));
    }

    @Override
    public void unshare(int flags) throws ErrnoException {
        call("unshare", "flags 0x" + Integer.toHexString(flags), c -> c.check((int) Unshare.H.invokeExact(c.state(), flags)));
    }
}
