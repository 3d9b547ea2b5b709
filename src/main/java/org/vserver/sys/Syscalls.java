package org.vserver.sys;

import java.util.List;
import java.util.Map;

/**
 * The host-side syscalls the JVM makes itself; everything inside a guest's namespaces is done by
 * the launcher. Behind an interface so that orchestration can be tested against a recording fake.
 */
public interface Syscalls {

    /** {@code uid_t geteuid(void)} */
    int geteuid();

    /** {@code int kill(pid_t pid, int sig)} */
    void kill(int pid, int signal) throws ErrnoException;

    /** {@code int pipe2(int pipefd[2], O_CLOEXEC)}: both ends close-on-exec; [0] reads, [1] writes. */
    int[] pipe() throws ErrnoException;

    /**
     * {@code posix_spawn(3)}; the child inherits the caller's signal mask (the launcher resets it).
     *
     * @param fds  target fd → source fd to dup2 in the child (0, 1, 2, 3, 4 ...); sources must be
     *             distinct from every target
     * @return the child's pid
     */
    int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fds) throws ErrnoException;

    /** {@code ssize_t read(int fd, void *buf, size_t count)}; 0 at EOF; retries EINTR. */
    int read(int fd, byte[] buf, int off, int len) throws ErrnoException;

    /** Writes everything; retries EINTR and short writes. */
    void write(int fd, byte[] buf) throws ErrnoException;

    /** {@code int close(int fd)} */
    void close(int fd);

    /** {@code int open(const char *path, int flags, mode_t mode)}, flags with O_CLOEXEC added. */
    int open(String path, int flags, int mode) throws ErrnoException;

    /**
     * {@code int openat(int dirfd, const char *path, int flags)}, flags with O_CLOEXEC added; no
     * O_CREAT (nothing here creates files through a dirfd). {@link #AT_FDCWD} for the cwd.
     */
    int openat(int dirfd, String path, int flags) throws ErrnoException;

    /**
     * {@code openat2(dirfd, path, &(struct open_how){flags | O_CLOEXEC, 0, resolve}, 24)} (Linux
     * 5.6+): {@code resolve} confines the lookup, e.g. {@link #RESOLVE_IN_ROOT} walks every link as
     * if {@code dirfd} were "/" and ".." stops there. ENOSYS on an older kernel.
     */
    int openat2(int dirfd, String path, int flags, long resolve) throws ErrnoException;

    /** {@code int fstat(int fd, struct stat *st)}: works on an O_PATH fd too. */
    FileStat fstat(int fd) throws ErrnoException;

    /**
     * {@code int statfs(const char *path, struct statfs *buf)}: the filesystem {@code path} is on
     * (df's numbers; inode counts too, which {@code java.nio.file.FileStore} does not give).
     */
    StatFs statfs(String path) throws ErrnoException;

    /**
     * {@code int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)}; -1 keeps an
     * id. With {@code ""} and {@link #AT_EMPTY_PATH}: the file {@code dirfd} refers to, an O_PATH fd
     * included (of a symbolic link: the link itself, as lchown(2)).
     */
    void fchownat(int dirfd, String path, int uid, int gid, int flags) throws ErrnoException;

    /**
     * {@code int fchmodat2(int dirfd, const char *path, mode_t mode, unsigned int flags)} (Linux 6.6;
     * glibc does not wrap it): unlike fchmodat(3), it takes {@link #AT_EMPTY_PATH}, so the mode of
     * the file an O_PATH fd refers to can be set without reopening it by name.
     */
    void fchmodat2(int dirfd, String path, int mode, int flags) throws ErrnoException;

    /**
     * {@code ssize_t getdents64(int fd, void *dirp, size_t count)} until it returns 0: the names in
     * the open directory {@code fd}, without "." and "..", in the directory's order.
     */
    List<String> getdents(int fd) throws ErrnoException;

    /** {@code ssize_t pread(int fd, void *buf, size_t count, off_t offset)}; 0 at EOF; retries EINTR. */
    int pread(int fd, byte[] buf, int off, int len, long offset) throws ErrnoException;

    /** {@code int ftruncate(int fd, off_t length)} */
    void ftruncate(int fd, long length) throws ErrnoException;

    /** {@code pid_t waitpid(pid, &status, 0)}: the raw wait status; retries EINTR. */
    int waitpid(int pid) throws ErrnoException;

    /**
     * {@code int pidfd_open(pid_t pid, 0)}: a close-on-exec fd that refers to the process now
     * holding {@code pid}, and keeps referring to it after it exits and its pid is reused.
     */
    int pidfdOpen(int pid) throws ErrnoException;

    /** {@code int pidfd_send_signal(int pidfd, int sig, NULL, 0)}: signal 0 only checks. */
    void pidfdSendSignal(int pidfd, int signal) throws ErrnoException;

    /**
     * {@code int poll(&{fd, POLLIN}, 1, timeout)}: true when {@code fd} is readable (a pidfd: its
     * process has exited), false after {@code timeoutMillis} (negative: no timeout). Retries EINTR.
     */
    boolean pollIn(int fd, long timeoutMillis) throws ErrnoException;

    /**
     * {@code ioctl(pidfd, PIDFD_GET_INFO, &info)} with {@code PIDFD_INFO_EXIT} (Linux 6.15+): the raw
     * wait status of the exited process, empty if the kernel has none (still running, not yet
     * reaped, or an older kernel).
     */
    java.util.OptionalInt pidfdExitStatus(int pidfd);

    /**
     * {@code bpf(BPF_PROG_LOAD, ...)}: loads an eBPF program (8-byte instructions, little endian) and
     * returns its fd (close-on-exec). The verifier's log is asked for, so a rejected program fails
     * with the verifier's reason in the message.
     *
     * @param progType           enum bpf_prog_type, e.g. BPF_PROG_TYPE_CGROUP_DEVICE (15)
     * @param name               the program's name as the kernel lists it (up to 15 of [A-Za-z0-9_.])
     * @param expectedAttachType enum bpf_attach_type the program is meant for
     */
    int bpfProgLoad(int progType, byte[] insns, String license, String name, int expectedAttachType) throws ErrnoException;

    /**
     * {@link #bpfProgLoad(int, byte[], String, String, int)} with {@code attr.fd_array}: the maps an
     * {@code ld_imm64} with BPF_PSEUDO_MAP_IDX names by index (Linux 5.14). An empty array passes none.
     */
    int bpfProgLoad(int progType, byte[] insns, String license, String name, int expectedAttachType, int[] fdArray)
            throws ErrnoException;

    /**
     * {@code bpf(BPF_MAP_CREATE, {map_type, key_size, value_size, max_entries, map_flags, map_name,
     * btf_fd, btf_key_type_id, btf_value_type_id})}: a new map's fd (close-on-exec). {@code btfFd}
     * 0 means no BTF (the type ids are then ignored and must be 0).
     */
    int bpfMapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name, int btfFd,
                     int btfKeyTypeId, int btfValueTypeId) throws ErrnoException;

    /** {@code bpf(BPF_BTF_LOAD, {btf, btf_size, log})}: type information's fd; a refusal names the kernel's reason. */
    int bpfBtfLoad(byte[] btf) throws ErrnoException;

    /**
     * {@code bpf(BPF_LINK_CREATE, {prog_fd, target_fd, attach_type})}: attaches while the returned
     * link fd (or a pin of it) lives, e.g. an sk_lookup program to a network namespace's fd.
     */
    int bpfLinkCreate(int progFd, int targetFd, int attachType) throws ErrnoException;

    /** {@code bpf(BPF_MAP_UPDATE_ELEM, {map_fd, key, value, BPF_ANY})}: creates or replaces. */
    void bpfMapUpdate(int fd, byte[] key, byte[] value) throws ErrnoException;

    /** {@code bpf(BPF_MAP_LOOKUP_ELEM, {map_fd, key, value})}: fills {@code value}; false if there is no such key (ENOENT). */
    boolean bpfMapLookup(int fd, byte[] key, byte[] value) throws ErrnoException;

    /** {@code bpf(BPF_MAP_DELETE_ELEM, {map_fd, key})}: false if there was no such key (ENOENT). */
    boolean bpfMapDelete(int fd, byte[] key) throws ErrnoException;

    /** {@code bpf(BPF_PROG_ATTACH, {target_fd, attach_bpf_fd, attach_type, attach_flags})}: e.g. to a cgroup directory's fd. */
    void bpfProgAttach(int targetFd, int progFd, int attachType, int flags) throws ErrnoException;

    /** {@code bpf(BPF_PROG_QUERY, {target_fd, attach_type})}: the ids of the programs attached to the target itself (not inherited). */
    int[] bpfProgQuery(int targetFd, int attachType) throws ErrnoException;

    /** {@code bpf(BPF_PROG_DETACH, {target_fd, attach_bpf_fd, attach_type})}: removes one attached program. */
    void bpfProgDetach(int targetFd, int progFd, int attachType) throws ErrnoException;

    /**
     * {@code bpf(BPF_PROG_TEST_RUN, {prog_fd, data_size_in, data_in})}: runs a loaded program once on
     * {@code data} (for a tc program: a whole Ethernet frame) and returns its R0, without any device.
     */
    int bpfProgTestRun(int progFd, byte[] data) throws ErrnoException;

    /**
     * Every loaded eBPF program's id and name ({@code BPF_PROG_GET_NEXT_ID}, {@code BPF_PROG_GET_FD_BY_ID},
     * {@code BPF_OBJ_GET_INFO_BY_FD}), for leak checks and cleanup; programs that vanish meanwhile are skipped.
     */
    Map<Integer, String> bpfPrograms() throws ErrnoException;

    /** {@code int socket(int domain, int type | SOCK_CLOEXEC, int protocol)} */
    int socket(int domain, int type, int protocol) throws ErrnoException;

    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)} with the raw sockaddr bytes. */
    void bind(int fd, byte[] sockaddr) throws ErrnoException;

    /**
     * {@code int setns(int fd, int nstype)}: moves the calling <em>thread</em> (a network namespace
     * may be entered by one thread of a multi-threaded process; see {@code org.vserver.net.Netns}).
     */
    void setns(int fd, int nstype) throws ErrnoException;

    /** {@code int unshare(int flags)}, for the calling thread (CLONE_NEWNET in tests). */
    void unshare(int flags) throws ErrnoException;

    /** Exit code of a raw wait status: the exit status, or 128 + signal like a shell. */
    static int exitCode(int status) {
        int sig = status & 0x7f;
        return sig == 0 ? (status >> 8) & 0xff : 128 + sig;
    }

    int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_TRUNC = 01000, O_APPEND = 02000, O_DIRECTORY = 0200000;
    int O_NOCTTY = 0400, O_NONBLOCK = 04000, O_NOFOLLOW = 0400000, O_PATH = 010000000;
    int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    /* include/uapi/linux/openat2.h */
    long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08,
            RESOLVE_IN_ROOT = 0x10;
    int AF_UNIX = 1, AF_INET = 2, AF_NETLINK = 16, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;
    int CLONE_NEWNET = 0x40000000;
    int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18;
}
