package org.vserver.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
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
    /*
     * x86_64 struct stat (asm/stat.h): u64 st_dev @0, u64 st_ino @8, u64 st_nlink @16, u32 st_mode @24,
     * u32 st_uid @28, u32 st_gid @32, pad, u64 st_rdev @40, s64 st_size @48, s64 st_blksize @56,
     * s64 st_blocks @64, then the times; 144 bytes.
     */
    private static final int STAT_SIZE = 144;
    /** x86_64 __NR_bpf. */
    private static final long SYS_BPF = 321;
    /* enum bpf_cmd (include/uapi/linux/bpf.h) */
    private static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_TEST_RUN = 10, BPF_PROG_GET_NEXT_ID = 11,
            BPF_PROG_GET_FD_BY_ID = 13, BPF_OBJ_GET_INFO_BY_FD = 15, BPF_PROG_QUERY = 16;
    /*
     * union bpf_attr, the member for BPF_PROG_LOAD, up to the last field filled (72 bytes):
     * u32 prog_type @0, u32 insn_cnt @4, u64 insns @8, u64 license @16, u32 log_level @24,
     * u32 log_size @28, u64 log_buf @32, u32 kern_version @40, u32 prog_flags @44,
     * char prog_name[16] @48, u32 prog_ifindex @64, u32 expected_attach_type @68.
     */
    private static final int LOAD_SIZE = 72, LOAD_NAME = 48, LOAD_NAME_LEN = 16, LOAD_EXPECTED_ATTACH = 68;
    /** Room for the verifier's log: a rejected small program explains itself in a few KiB. */
    private static final int LOAD_LOG_SIZE = 256 * 1024;
    /* BPF_PROG_ATTACH: u32 target_fd @0, u32 attach_bpf_fd @4, u32 attach_type @8, u32 attach_flags @12. */
    private static final int ATTACH_SIZE = 16;
    /*
     * BPF_PROG_QUERY: u32 target_fd @0, u32 attach_type @4, u32 query_flags @8, u32 attach_flags @12 (out),
     * u64 prog_ids @16, u32 prog_cnt @24 (in: room, out: count), pad, u64 prog_attach_flags @32,
     * u64 link_ids @40, u64 link_attach_flags @48, u64 revision @56 (out). Linux 6.6+ writes revision
     * whatever size is passed, so the whole 64 bytes are allocated and passed.
     */
    private static final int QUERY_SIZE = 64, QUERY_IDS = 16, QUERY_COUNT = 24;
    /* glibc x86-64: posix_spawn_file_actions_t is 80 bytes; rounded up. */
    private static final long FILE_ACTIONS_SIZE = 256;

    /*
     * One holder class per function: a downcall handle costs milliseconds to link, and a command
     * uses only a few of them, so each is made the first time it is called.
     */
    private static final class Geteuid { static final MethodHandle H = plain("geteuid", FunctionDescriptor.of(JAVA_INT)); }
    private static final class Kill { static final MethodHandle H = errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Prlimit { static final MethodHandle H = errno("prlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)); }
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

    /** {@code char *strerror(int errnum)} */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static ErrnoException fail(String syscall, String path, int errno) {
        return new ErrnoException(syscall, path, errno, strerror(errno));
    }

    @Override
    public int geteuid() {
        try {
            return (int) Geteuid.H.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void kill(int pid, int signal) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            if ((int) Kill.H.invokeExact(st, pid, signal) < 0) throw fail("kill", Integer.toString(pid), errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void prlimit(int pid, int resource, long soft, long hard) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment lim = a.allocate(JAVA_LONG, 2);
            lim.setAtIndex(JAVA_LONG, 0, soft);
            lim.setAtIndex(JAVA_LONG, 1, hard);
            if ((int) Prlimit.H.invokeExact(st, pid, resource, lim, MemorySegment.NULL) < 0)
                throw fail("prlimit", Integer.toString(pid), errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int[] pipe() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if ((int) Pipe2.H.invokeExact(st, fds, O_CLOEXEC) < 0) throw fail("pipe2", null, errnoOf(st));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Moves an fd above {@code min} (close-on-exec), so that dup2 sources never collide with targets. */
    private int dupAbove(int fd, int min) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int r = (int) Fcntl.H.invokeExact(st, fd, F_DUPFD_CLOEXEC, min);
            if (r < 0) throw fail("fcntl", "F_DUPFD_CLOEXEC", errnoOf(st));
            return r;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fds) throws ErrnoException {
        int high = 1 + fds.keySet().stream().mapToInt(Integer::intValue).max().orElse(2);
        var moved = new java.util.LinkedHashMap<Integer, Integer>();
        try (Arena a = Arena.ofConfined()) {
            for (var e : fds.entrySet()) moved.put(e.getKey(), dupAbove(e.getValue(), Math.max(high, 10)));
            MemorySegment fa = a.allocate(FILE_ACTIONS_SIZE, 16);
            check((int) Spawn.FA_INIT.invokeExact(fa), "posix_spawn_file_actions_init", path);
            try {
                for (var e : moved.entrySet())
                    check((int) Spawn.FA_DUP2.invokeExact(fa, (int) e.getValue(), (int) e.getKey()), "posix_spawn_file_actions_adddup2", path);
                MemorySegment pid = a.allocate(JAVA_INT);
                int r = (int) Spawn.SPAWN.invokeExact(pid, a.allocateFrom(path), fa, MemorySegment.NULL, strv(a, argv), strv(a, envp));
                if (r != 0) throw fail("posix_spawn", path, r);
                return pid.get(JAVA_INT, 0);
            } finally {
                int d = (int) Spawn.FA_DESTROY.invokeExact(fa);
                assert d == 0;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            for (int fd : moved.values()) close(fd);
        }
    }

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
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment b = a.allocate(Math.max(1, len));
            while (true) {
                long n = (long) Read.H.invokeExact(st, fd, b, (long) len);
                if (n >= 0) {
                    MemorySegment.copy(b, JAVA_BYTE_LAYOUT, 0, buf, off, (int) n);
                    return (int) n;
                }
                int e = errnoOf(st);
                if (e != Errno.EINTR) throw fail("read", "fd " + fd, e);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT = java.lang.foreign.ValueLayout.JAVA_BYTE;

    @Override
    public void write(int fd, byte[] buf) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment b = a.allocate(Math.max(1, buf.length));
            MemorySegment.copy(buf, 0, b, JAVA_BYTE_LAYOUT, 0, buf.length);
            long done = 0;
            while (done < buf.length) {
                long n = (long) Write.H.invokeExact(st, fd, b.asSlice(done), (long) buf.length - done);
                if (n < 0) {
                    int e = errnoOf(st);
                    if (e == Errno.EINTR) continue;
                    throw fail("write", "fd " + fd, e);
                }
                done += n;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void close(int fd) {
        try {
            int r = (int) Close.H.invokeExact(fd);
            assert r == 0 || r == -1; // close errors leave nothing to recover (EINTR still closed the fd on Linux)
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int open(String path, int flags, int mode) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int fd = (int) Open.H.invokeExact(st, a.allocateFrom(path), flags | O_CLOEXEC, mode);
            if (fd < 0) throw fail("open", path, errnoOf(st));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int openat(int dirfd, String path, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int fd = (int) Openat.H.invokeExact(st, dirfd, a.allocateFrom(path), flags | O_CLOEXEC, 0);
            if (fd < 0) throw fail("openat", path, errnoOf(st));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment how = a.allocate(OPEN_HOW_SIZE, 8).fill((byte) 0);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags | O_CLOEXEC));
            how.set(JAVA_LONG, 16, resolve);
            while (true) {
                long fd = (long) SyscallOpenat2.H.invokeExact(st, SYS_OPENAT2, dirfd, a.allocateFrom(path), how, (long) OPEN_HOW_SIZE);
                if (fd >= 0) return (int) fd;
                // EAGAIN: RESOLVE_IN_ROOT/BENEATH saw a rename or mount change during the walk and cannot
                // vouch for ".."; the kernel asks for a retry (openat2(2)). Anything else is the answer.
                if (errnoOf(st) != Errno.EAGAIN && errnoOf(st) != Errno.EINTR) throw fail("openat2", path, errnoOf(st));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public FileStat fstat(int fd) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment s = a.allocate(STAT_SIZE, 8);
            if ((int) Fstat.H.invokeExact(st, fd, s) < 0) throw fail("fstat", "fd " + fd, errnoOf(st));
            return new FileStat(s.get(JAVA_LONG, 0), s.get(JAVA_LONG, 8), s.get(JAVA_INT, 24), s.get(JAVA_INT, 28),
                    s.get(JAVA_INT, 32), s.get(JAVA_LONG, 48), s.get(JAVA_LONG, 64));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int pread(int fd, byte[] buf, int off, int len, long offset) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment b = a.allocate(Math.max(1, len));
            while (true) {
                long n = (long) Pread.H.invokeExact(st, fd, b, (long) len, offset);
                if (n >= 0) {
                    MemorySegment.copy(b, JAVA_BYTE_LAYOUT, 0, buf, off, (int) n);
                    return (int) n;
                }
                int e = errnoOf(st);
                if (e != Errno.EINTR) throw fail("pread", "fd " + fd, e);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void ftruncate(int fd, long length) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            if ((int) Ftruncate.H.invokeExact(st, fd, length) < 0) throw fail("ftruncate", "fd " + fd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int waitpid(int pid) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment status = a.allocate(JAVA_INT);
            while (true) {
                int r = (int) Waitpid.H.invokeExact(st, pid, status, 0);
                if (r >= 0) return status.get(JAVA_INT, 0);
                int e = errnoOf(st);
                if (e != Errno.EINTR) throw fail("waitpid", Integer.toString(pid), e);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int fd = (int) PidfdOpen.H.invokeExact(st, pid, 0);
            if (fd < 0) throw fail("pidfd_open", Integer.toString(pid), errnoOf(st));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            if ((int) PidfdSendSignal.H.invokeExact(st, pidfd, signal, MemorySegment.NULL, 0) < 0)
                throw fail("pidfd_send_signal", "pidfd " + pidfd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public boolean pollIn(int fd, long timeoutMillis) throws ErrnoException {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment pfd = a.allocate(8, 4);          // struct pollfd { int fd; short events; short revents; }
            while (true) {
                pfd.set(JAVA_INT, 0, fd);
                pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, POLLIN);
                pfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 6, (short) 0);
                long left = timeoutMillis < 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                int r = (int) Poll.H.invokeExact(st, pfd, 1L, (int) Math.min(left, Integer.MAX_VALUE));
                if (r > 0) return true;       // POLLIN, or POLLHUP/POLLERR: either way nothing is left to wait for
                if (r == 0) {
                    if (timeoutMillis >= 0 && System.nanoTime() >= deadline) return false;
                    continue;                 // a timeout clamped to Integer.MAX_VALUE ms
                }
                int e = errnoOf(st);
                if (e != Errno.EINTR) throw fail("poll", "fd " + fd, e);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public java.util.OptionalInt pidfdExitStatus(int pidfd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment info = a.allocate(PIDFD_INFO_SIZE_VER0, 8);
            info.set(JAVA_LONG, 0, PIDFD_INFO_EXIT);
            int r = (int) Ioctl.H.invokeExact(st, pidfd, PIDFD_GET_INFO, info);
            // ESRCH: reaped but no exit info; ENOTTY/EINVAL: a kernel before 6.15. All mean "unknown".
            if (r < 0 || (info.get(JAVA_LONG, 0) & PIDFD_INFO_EXIT) == 0) return java.util.OptionalInt.empty();
            return java.util.OptionalInt.of(info.get(JAVA_INT, PIDFD_INFO_EXIT_CODE_OFFSET));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** bpf(2) on a zero-filled attr of {@code size} bytes; retries EAGAIN (the verifier can answer it under memory pressure) a few times. */
    private static long bpf(MemorySegment st, int cmd, MemorySegment attr, int size) throws Throwable {
        long r = -1;
        for (int i = 0; i < 5; i++) {
            r = (long) SyscallBpf.H.invokeExact(st, SYS_BPF, cmd, attr, size);
            if (r >= 0 || (errnoOf(st) != Errno.EAGAIN && errnoOf(st) != Errno.EINTR)) return r;
        }
        return r;
    }

    @Override
    public int bpfProgLoad(int progType, byte[] insns, String license, String name, int expectedAttachType) throws ErrnoException {
        if (insns.length == 0 || insns.length % 8 != 0) throw new IllegalArgumentException("eBPF code of " + insns.length + " bytes");
        byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (nameBytes.length >= LOAD_NAME_LEN) throw new IllegalArgumentException("eBPF program name too long: " + name);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment code = a.allocate(insns.length, 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE_LAYOUT, 0, insns.length);
            MemorySegment log = a.allocate(LOAD_LOG_SIZE).fill((byte) 0);
            MemorySegment attr = a.allocate(LOAD_SIZE, 8).fill((byte) 0);
            attr.set(JAVA_INT, 0, progType);
            attr.set(JAVA_INT, 4, insns.length / 8);
            attr.set(JAVA_LONG, 8, code.address());
            attr.set(JAVA_LONG, 16, a.allocateFrom(license).address());
            attr.set(JAVA_INT, 24, 1);                                   // log_level 1: the verifier's reasons
            attr.set(JAVA_INT, 28, LOAD_LOG_SIZE);
            attr.set(JAVA_LONG, 32, log.address());
            MemorySegment.copy(nameBytes, 0, attr, JAVA_BYTE_LAYOUT, LOAD_NAME, nameBytes.length);
            attr.set(JAVA_INT, LOAD_EXPECTED_ATTACH, expectedAttachType);
            long fd = bpf(st, BPF_PROG_LOAD, attr, LOAD_SIZE);
            if (fd < 0) {
                int e = errnoOf(st);
                String verifier = log.getString(0).strip();
                throw new ErrnoException("bpf", "BPF_PROG_LOAD " + name, e,
                        strerror(e) + (verifier.isEmpty() ? "" : "; the verifier says: " + lastLines(verifier, 6)));
            }
            return (int) fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The end of a verifier log, where the reason is; lines joined with " | " to keep the message on one line. */
    private static String lastLines(String log, int n) {
        List<String> lines = log.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    @Override
    public void bpfProgAttach(int targetFd, int progFd, int attachType, int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment attr = a.allocate(ATTACH_SIZE, 8).fill((byte) 0);
            attr.set(JAVA_INT, 0, targetFd);
            attr.set(JAVA_INT, 4, progFd);
            attr.set(JAVA_INT, 8, attachType);
            attr.set(JAVA_INT, 12, flags);
            if (bpf(st, BPF_PROG_ATTACH, attr, ATTACH_SIZE) < 0) throw fail("bpf", "BPF_PROG_ATTACH fd " + targetFd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public int[] bpfProgQuery(int targetFd, int attachType) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int room = 16;
            while (true) {
                MemorySegment ids = a.allocate(JAVA_INT, room);
                MemorySegment attr = a.allocate(QUERY_SIZE, 8).fill((byte) 0);
                attr.set(JAVA_INT, 0, targetFd);
                attr.set(JAVA_INT, 4, attachType);
                attr.set(JAVA_LONG, QUERY_IDS, ids.address());
                attr.set(JAVA_INT, QUERY_COUNT, room);
                long r = bpf(st, BPF_PROG_QUERY, attr, QUERY_SIZE);
                int count = attr.get(JAVA_INT, QUERY_COUNT);
                if (r < 0 && errnoOf(st) == ENOSPC && count > room) {  // more programs than room: ask again with enough
                    room = count;
                    continue;
                }
                if (r < 0) throw fail("bpf", "BPF_PROG_QUERY fd " + targetFd, errnoOf(st));
                return ids.asSlice(0, (long) count * 4).toArray(JAVA_INT);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void bpfProgDetach(int targetFd, int progFd, int attachType) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment attr = a.allocate(ATTACH_SIZE, 8).fill((byte) 0);
            attr.set(JAVA_INT, 0, targetFd);
            attr.set(JAVA_INT, 4, progFd);
            attr.set(JAVA_INT, 8, attachType);
            if (bpf(st, BPF_PROG_DETACH, attr, ATTACH_SIZE) < 0) throw fail("bpf", "BPF_PROG_DETACH fd " + targetFd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /*
     * BPF_PROG_TEST_RUN: u32 prog_fd @0, u32 retval @4 (out), u32 data_size_in @8, u32 data_size_out @12,
     * u64 data_in @16, u64 data_out @24 (0: no copy back), u32 repeat @32 (0 = once), then duration and
     * the ctx fields, all zero (no ctx_in: the kernel builds the skb from the data alone).
     */
    private static final int TEST_RUN_SIZE = 48;

    @Override
    public int bpfProgTestRun(int progFd, byte[] data) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment in = a.allocate(Math.max(1, data.length), 8);
            MemorySegment.copy(data, 0, in, JAVA_BYTE_LAYOUT, 0, data.length);
            MemorySegment attr = a.allocate(TEST_RUN_SIZE, 8).fill((byte) 0);
            attr.set(JAVA_INT, 0, progFd);
            attr.set(JAVA_INT, 8, data.length);
            attr.set(JAVA_LONG, 16, in.address());
            if (bpf(st, BPF_PROG_TEST_RUN, attr, TEST_RUN_SIZE) < 0) throw fail("bpf", "BPF_PROG_TEST_RUN fd " + progFd, errnoOf(st));
            return attr.get(JAVA_INT, 4);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /*
     * BPF_PROG_GET_NEXT_ID: u32 start_id @0, u32 next_id @4. BPF_PROG_GET_FD_BY_ID: u32 prog_id @0.
     * BPF_OBJ_GET_INFO_BY_FD: u32 bpf_fd @0, u32 info_len @4, u64 info @8; struct bpf_prog_info has
     * u32 id @4 and char name[16] @64 (after type, id, tag[8], jited/xlated lens and pointers, load_time,
     * created_by_uid, nr_map_ids, map_ids).
     */
    private static final int INFO_SIZE = 80, INFO_NAME = 64;

    @Override
    public Map<Integer, String> bpfPrograms() throws ErrnoException {
        var out = new java.util.TreeMap<Integer, String>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment attr = a.allocate(16, 8);
            MemorySegment info = a.allocate(INFO_SIZE, 8);
            int id = 0;
            while (true) {
                attr.fill((byte) 0);
                attr.set(JAVA_INT, 0, id);
                if (bpf(st, BPF_PROG_GET_NEXT_ID, attr, 8) < 0) {
                    if (errnoOf(st) == ENOENT) return out;
                    throw fail("bpf", "BPF_PROG_GET_NEXT_ID", errnoOf(st));
                }
                id = attr.get(JAVA_INT, 4);
                attr.fill((byte) 0);
                attr.set(JAVA_INT, 0, id);
                long fd = bpf(st, BPF_PROG_GET_FD_BY_ID, attr, 16);
                if (fd < 0) {
                    if (errnoOf(st) == ENOENT) continue;                 // unloaded meanwhile
                    throw fail("bpf", "BPF_PROG_GET_FD_BY_ID " + id, errnoOf(st));
                }
                try {
                    info.fill((byte) 0);
                    attr.fill((byte) 0);
                    attr.set(JAVA_INT, 0, (int) fd);
                    attr.set(JAVA_INT, 4, INFO_SIZE);
                    attr.set(JAVA_LONG, 8, info.address());
                    if (bpf(st, BPF_OBJ_GET_INFO_BY_FD, attr, 16) < 0) throw fail("bpf", "BPF_OBJ_GET_INFO_BY_FD " + id, errnoOf(st));
                    out.put(id, info.asSlice(INFO_NAME, 16).getString(0));
                } finally {
                    close((int) fd);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static final class Socket { static final MethodHandle H = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Bind { static final MethodHandle H = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT)); }
    private static final class Setns { static final MethodHandle H = errno("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    private static final class Unshare { static final MethodHandle H = errno("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final int SOCK_CLOEXEC = 02000000;

    @Override
    public int socket(int domain, int type, int protocol) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            int fd = (int) Socket.H.invokeExact(st, domain, type | SOCK_CLOEXEC, protocol);
            if (fd < 0) throw fail("socket", "domain " + domain + " type " + type + " protocol " + protocol, errnoOf(st));
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void bind(int fd, byte[] sockaddr) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            MemorySegment addr = a.allocate(sockaddr.length, 8);
            MemorySegment.copy(sockaddr, 0, addr, JAVA_BYTE_LAYOUT, 0, sockaddr.length);
            if ((int) Bind.H.invokeExact(st, fd, addr, sockaddr.length) < 0) throw fail("bind", "fd " + fd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void setns(int fd, int nstype) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            if ((int) Setns.H.invokeExact(st, fd, nstype) < 0) throw fail("setns", "fd " + fd, errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public void unshare(int flags) throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Ffm.CALL_STATE);
            if ((int) Unshare.H.invokeExact(st, flags) < 0) throw fail("unshare", "flags 0x" + Integer.toHexString(flags), errnoOf(st));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static final int ENOSPC = 28, ENOENT = 2;
}
