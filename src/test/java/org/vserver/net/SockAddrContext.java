package org.vserver.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Interpreter;

/**
 * What a {@link SockAddrPrograms} program gets from the kernel, for {@link Interpreter}: R1 points
 * at a {@code struct bpf_sock_addr} (writable: the hooks rewrite the address in place) whose
 * {@code sk} field at 64 is a pointer to the socket's {@code struct bpf_sock}. The two helpers are
 * modelled: {@code bpf_set_retval} records the errno, {@code bpf_bind} records the address it was
 * given and returns what the test says (0, or -EINVAL for a bound socket). The kernel's own
 * verifier and hooks are SockAddrProgramsHostTest's.
 */
final class SockAddrContext implements Interpreter.Model {
    /** What a run left: R0 (1 allow, 0 refuse), the errno set (0 if none), the context after it, what bpf_bind got (null if not called). */
    record Run(long r0, int errno, byte[] ctx, byte[] bound) {
        int word(int off) { return ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }
    }

    static final int CTX_SIZE = 72, SK = 64, SOCK_SIZE = 80;

    private final Interpreter.Memory ctx, sock;
    private final long bindResult;
    private int errno;
    private byte[] bound;

    private SockAddrContext(byte[] ctx, byte[] sock, long bindResult) {
        this.ctx = new Interpreter.Memory("bpf_sock_addr", Arrays.copyOf(ctx, CTX_SIZE), true, true);
        this.sock = new Interpreter.Memory("bpf_sock", Arrays.copyOf(sock, SOCK_SIZE), false, true);
        this.bindResult = bindResult;
    }

    /**
     * @param ctx        the {@code bpf_sock_addr} (72 bytes; the {@code sk} pointer at 64 is the model's)
     * @param sock       the {@code bpf_sock} {@code sk} points at
     * @param bindResult what {@code bpf_bind} returns
     */
    static Run run(List<Insn> program, byte[] ctx, byte[] sock, long bindResult) {
        var c = new SockAddrContext(ctx, sock, bindResult);
        long r0 = Interpreter.run(program, c);
        return new Run(r0, c.errno, c.ctx.bytes(), c.bound);
    }

    @Override public Interpreter.Memory context() { return ctx; }

    @Override public Interpreter.Pointer pointerField(int off, int size) {
        if (off == SK && size == 8) return new Interpreter.Pointer(sock, 0);         // PTR_TO_SOCKET
        if (off + size > SK) throw new AssertionError("a load of part of the sk pointer at " + off);
        return null;
    }

    @Override public long call(int helper, Interpreter.Args args) {
        if (helper == Bpf.FUNC_SET_RETVAL) {
            errno = (int) -args.number(1);
            return 0;
        }
        if (helper == Bpf.FUNC_BIND) {
            Interpreter.Pointer addr = args.pointer(2);
            long size = args.number(3);
            if (args.pointer(1).memory() != ctx || addr.memory() != args.stack()) throw new AssertionError("bpf_bind(ctx, stack, size) at " + args.pc());
            if (addr.offset() < 0 || size <= 0 || addr.offset() + size > Interpreter.STACK_SIZE)
                throw new AssertionError("bpf_bind of " + size + " at " + addr.offset() + ", at " + args.pc());
            bound = Arrays.copyOfRange(addr.memory().bytes(), (int) addr.offset(), (int) (addr.offset() + size));
            return bindResult;
        }
        return Interpreter.Model.super.call(helper, args);
    }
}
