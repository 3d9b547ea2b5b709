package org.vserver.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import org.vserver.sys.Syscalls;
import org.vserver.sys.FileStat;
import org.vserver.sys.StatFs;

/**
 * A NETLINK_ROUTE socket whose kernel is a script: each request written is recorded and answered
 * by {@code answer(type, seq)} with datagrams the next reads return.
 */
final class ScriptedKernel implements Syscalls {
    final List<byte[]> requests = new ArrayList<>();
    final Deque<byte[]> datagrams = new ArrayDeque<>();
    final BiFunction<Integer, Integer, List<byte[]>> answer;
    boolean closed;

    ScriptedKernel(BiFunction<Integer, Integer, List<byte[]>> answer) { this.answer = answer; }

    /** nlmsgerr { int error; struct nlmsghdr msg; }: an ACK (0) or a refusal, capped (no request payload). */
    static byte[] error(int seq, int errno) {
        return header(36, NetlinkMessage.NLMSG_ERROR, 0x100, seq).putInt(-errno).array();
    }

    /** The end of a dump; NLM_F_DUMP_INTR in {@code flags} says it was inconsistent. */
    static byte[] done(int seq, int flags, int errno) {
        return header(20, NetlinkMessage.NLMSG_DONE, NetlinkMessage.NLM_F_MULTI | flags, seq).putInt(-errno).array();
    }

    static java.nio.ByteBuffer header(int len, int type, int flags, int seq) {
        var b = java.nio.ByteBuffer.allocate(len).order(java.nio.ByteOrder.nativeOrder());
        return b.putInt(len).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
    }

    /** Datagrams joined into one, as the kernel packs a dump's messages. */
    static byte[] join(byte[]... parts) {
        var out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Override public int socket(int domain, int type, int protocol) { return 42; }
    @Override public void bind(int fd, byte[] sockaddr) {}
    @Override public void close(int fd) { closed = true; }

    @Override public void write(int fd, byte[] buf) {
        requests.add(buf);
        int type = NetlinkMessage.u16(buf, 4), seq = NetlinkMessage.u32(buf, 8);
        datagrams.addAll(answer.apply(type, seq));
    }

    @Override public int read(int fd, byte[] buf, int off, int len) {
        byte[] d = datagrams.removeFirst();
        System.arraycopy(d, 0, buf, off, d.length);
        return d.length;
    }

    @Override public int geteuid() { return 0; }
    @Override public void kill(int pid, int signal) { throw new AssertionError(); }
    @Override public int[] pipe() { throw new AssertionError(); }
    @Override public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> fds) { throw new AssertionError(); }
    @Override public int open(String path, int flags, int mode) { throw new AssertionError(); }
    @Override public int waitpid(int pid) { throw new AssertionError(); }
    @Override public int openat(int dirfd, String path, int flags) { throw new AssertionError(); }
    @Override public int openat2(int dirfd, String path, int flags, long resolve) { throw new AssertionError(); }
    @Override public FileStat fstat(int fd) { throw new AssertionError(); }
    @Override public StatFs statfs(String path) { throw new AssertionError(); }
    @Override public int pidfdOpen(int pid) { throw new AssertionError(); }
    @Override public void pidfdSendSignal(int pidfd, int signal) { throw new AssertionError(); }
    @Override public boolean pollIn(int fd, long timeoutMillis) { throw new AssertionError(); }
    @Override public OptionalInt pidfdExitStatus(int pidfd) { throw new AssertionError(); }
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
    @Override public Map<Integer, String> bpfPrograms() { throw new AssertionError(); }
    @Override public void setns(int fd, int nstype) { throw new AssertionError(); }
    @Override public void unshare(int flags) { throw new AssertionError(); }
    @Override public int bpfProgTestRun(int progFd, byte[] data) { throw new AssertionError(); }
    @Override public int pread(int fd, byte[] buf, int off, int len, long offset) { throw new AssertionError(); }
    @Override public void ftruncate(int fd, long length) { throw new AssertionError(); }
    @Override public void fchownat(int dirfd, String path, int uid, int gid, int flags) { throw new AssertionError(); }
    @Override public void fchmodat2(int dirfd, String path, int mode, int flags) { throw new AssertionError(); }
    @Override public List<String> getdents(int fd) { throw new AssertionError(); }
}
