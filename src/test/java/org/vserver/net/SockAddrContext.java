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
    /**
     * What a run left: R0 (1 allow, 0 refuse), the errno set (0 if none), the context after it, what
     * bpf_bind got (null if not called), the socket's STORAGE flags (-1 if it has none).
     */
    record Run(long r0, int errno, byte[] ctx, byte[] bound, int storage) {
        int word(int off) { return ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }
    }

    static final int CTX_SIZE = 72, SK = 64, SOCK_SIZE = 80;

    /**
     * The kernel's socket behind {@code ctx->sk}, as {@code bpf_skc_to_tcp6_sock} and
     * {@code bpf_skc_to_udp6_sock} see it: its protocol (6 TCP, 17 UDP, else neither helper
     * gives it) and the first bytes of its {@code struct sock_common}, read only.
     */
    record KernelSock(int protocol, byte[] bytes) {
        static final int TCP = 6, UDP = 17, SIZE = 64;

        /** A socket whose {@code skc_ipv6only} (at {@code bit}) is {@code v6only}, its other bits set as the kernel's. */
        static KernelSock of(int protocol, int bit, boolean v6only) {
            byte[] b = new byte[SIZE];
            Arrays.fill(b, (byte) 0x41);                            // SO_REUSEADDR and skc_net_refcnt, as FINDINGS Q6 read
            b[bit / 8] &= (byte) ~(1 << bit % 8);
            if (v6only) b[bit / 8] |= (byte) (1 << bit % 8);
            return new KernelSock(protocol, b);
        }
    }

    /** The socket the two helpers give; null: a socket of neither (they return NULL). */
    private Interpreter.Memory kernelSock;
    private int kernelProtocol;

    private final Interpreter.Memory ctx, sock;
    private final long bindResult;
    /** The socket's value in the STORAGE map (a steered bind hook's), null until created. */
    private Interpreter.Memory storage;
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
        return run(program, ctx, sock, bindResult, -1);
    }

    /** As above, for a socket that already has STORAGE {@code flags} (-1: none). */
    static Run run(List<Insn> program, byte[] ctx, byte[] sock, long bindResult, int storageFlags) {
        return run(program, ctx, sock, bindResult, storageFlags, null);
    }

    /** As above, the kernel's socket {@code kernel} behind {@code ctx->sk} (null: neither TCP nor UDP). */
    static Run run(List<Insn> program, byte[] ctx, byte[] sock, long bindResult, int storageFlags, KernelSock kernel) {
        var c = new SockAddrContext(ctx, sock, bindResult);
        if (kernel != null) {
            c.kernelSock = new Interpreter.Memory("sock_common", kernel.bytes().clone(), false, false);
            c.kernelProtocol = kernel.protocol();
        }
        if (storageFlags >= 0) {
            c.storage = new Interpreter.Memory("sk_storage", new byte[8], true, true);
            ByteBuffer.wrap(c.storage.bytes()).order(ByteOrder.LITTLE_ENDIAN).putInt(0, storageFlags);
        }
        long r0 = Interpreter.run(program, c);
        int flags = c.storage == null ? -1 : ByteBuffer.wrap(c.storage.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        return new Run(r0, c.errno, c.ctx.bytes(), c.bound, flags);
    }

    private final Interpreter.Memory storageMap = new Interpreter.Memory("STORAGE", new byte[0], false, true);

    @Override public Interpreter.Memory map(int index) {
        if (index != SteeringMaps.STORAGE) throw new AssertionError("a socket address hook uses only STORAGE, not map " + index);
        return storageMap;
    }

    @Override public boolean returnsPointer(int helper) {
        return helper == Bpf.FUNC_SK_STORAGE_GET || helper == Bpf.FUNC_SKC_TO_TCP6_SOCK || helper == Bpf.FUNC_SKC_TO_UDP6_SOCK;
    }

    /**
     * bpf_skc_to_tcp6_sock(ctx->sk), bpf_skc_to_udp6_sock(ctx->sk): the kernel's socket if it is of
     * that protocol, else NULL. bpf_sk_storage_get(STORAGE, ctx->sk, NULL, flags): the socket's
     * value, made (zeroed) with F_CREATE.
     */
    @Override public Interpreter.Pointer callPointer(int helper, Interpreter.Args args) {
        if (helper == Bpf.FUNC_SKC_TO_TCP6_SOCK || helper == Bpf.FUNC_SKC_TO_UDP6_SOCK) {
            if (args.pointer(1).memory() != sock || args.pointer(1).offset() != 0) throw new AssertionError("bpf_skc_to_*(ctx->sk) at " + args.pc());
            int protocol = helper == Bpf.FUNC_SKC_TO_TCP6_SOCK ? KernelSock.TCP : KernelSock.UDP;
            return kernelSock != null && kernelProtocol == protocol ? new Interpreter.Pointer(kernelSock, 0) : null;
        }
        if (args.pointer(1).memory() != storageMap || args.pointer(2).memory() != sock || args.number(3) != 0)
            throw new AssertionError("bpf_sk_storage_get(STORAGE, ctx->sk, NULL, flags) at " + args.pc());
        long flags = args.number(4);
        if (storage == null && (flags & Bpf.SK_STORAGE_GET_F_CREATE) != 0) storage = new Interpreter.Memory("sk_storage", new byte[8], true, true);
        return storage == null ? null : new Interpreter.Pointer(storage, 0);
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
