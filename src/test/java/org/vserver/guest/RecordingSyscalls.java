package org.vserver.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;
import org.vserver.sys.FileStat;
import org.vserver.sys.StatFs;

/** A fake kernel for the pidfd paths: records what was opened, signalled and closed. */
final class RecordingSyscalls implements Syscalls {
    final List<String> calls = new ArrayList<>();
    /** pids that pidfd_open refuses with ESRCH */
    final List<Integer> gone = new ArrayList<>();
    boolean readable;
    OptionalInt exitStatus = OptionalInt.empty();
    private int nextFd = 100;

    @Override public int pidfdOpen(int pid) throws ErrnoException {
        if (gone.contains(pid)) throw new ErrnoException("pidfd_open", Integer.toString(pid), 3, "No such process");
        calls.add("pidfd_open " + pid + " = " + nextFd);
        return nextFd++;
    }

    @Override public void pidfdSendSignal(int pidfd, int signal) { calls.add("pidfd_send_signal " + pidfd + " " + signal); }

    @Override public boolean pollIn(int fd, long timeoutMillis) {
        calls.add("poll " + fd + " " + timeoutMillis);
        return readable;
    }

    @Override public OptionalInt pidfdExitStatus(int pidfd) { return exitStatus; }

    @Override public void close(int fd) { calls.add("close " + fd); }

    @Override public int geteuid() { return 0; }
    @Override public void kill(int pid, int signal) { throw new AssertionError("kill(2) must not be used: pid " + pid); }
    @Override public int[] pipe() { throw new AssertionError(); }
    @Override public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fds) { throw new AssertionError(); }
    @Override public int read(int fd, byte[] buf, int off, int len) { throw new AssertionError(); }
    @Override public void write(int fd, byte[] buf) { throw new AssertionError(); }
    @Override public int open(String path, int flags, int mode) { throw new AssertionError(); }
    @Override public int waitpid(int pid) { throw new AssertionError(); }
    @Override public int bpfProgLoad(int progType, byte[] insns, String license, String name, int attachType) { throw new AssertionError(); }
    @Override public int bpfProgLoad(int progType, byte[] insns, String license, String name, int attachType, int[] fdArray) { throw new AssertionError(); }
    @Override public int bpfMapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name, int btfFd, int btfKeyTypeId, int btfValueTypeId) { throw new AssertionError(); }
    @Override public int bpfBtfLoad(byte[] btf) { throw new AssertionError(); }
    @Override public int bpfLinkCreate(int progFd, int targetFd, int attachType) { throw new AssertionError(); }
    @Override public void bpfMapUpdate(int fd, byte[] key, byte[] value) { throw new AssertionError(); }
    @Override public boolean bpfMapLookup(int fd, byte[] key, byte[] value) { throw new AssertionError(); }
    @Override public boolean bpfMapDelete(int fd, byte[] key) { throw new AssertionError(); }
    @Override public void bpfProgAttach(int targetFd, int progFd, int attachType, int flags) { throw new AssertionError(); }
    @Override public int[] bpfProgQuery(int targetFd, int attachType) { throw new AssertionError(); }
    @Override public void bpfProgDetach(int targetFd, int progFd, int attachType) { throw new AssertionError(); }
    @Override public int bpfProgTestRun(int progFd, byte[] data) { throw new AssertionError(); }
    @Override public Map<Integer, String> bpfPrograms() { throw new AssertionError(); }
    @Override public int socket(int domain, int type, int protocol) { throw new AssertionError(); }
    @Override public void bind(int fd, byte[] sockaddr) { throw new AssertionError(); }
    @Override public void setns(int fd, int nstype) { throw new AssertionError(); }
    @Override public void unshare(int flags) { throw new AssertionError(); }
    @Override public int openat(int dirfd, String path, int flags) { throw new AssertionError(); }
    @Override public int openat2(int dirfd, String path, int flags, long resolve) { throw new AssertionError(); }
    @Override public FileStat fstat(int fd) { throw new AssertionError(); }
    @Override public StatFs statfs(String path) { throw new AssertionError(); }
    @Override public int pread(int fd, byte[] buf, int off, int len, long offset) { throw new AssertionError(); }
    @Override public void ftruncate(int fd, long length) { throw new AssertionError(); }
    @Override public void fchownat(int dirfd, String path, int uid, int gid, int flags) { throw new AssertionError(); }
    @Override public void fchmodat2(int dirfd, String path, int mode, int flags) { throw new AssertionError(); }
    @Override public List<String> getdents(int fd) { throw new AssertionError(); }
}
