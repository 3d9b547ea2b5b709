package org.vserver.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;

/**
 * Runs a {@link SockAddrPrograms} program on a {@code struct bpf_sock_addr} the way the kernel
 * would, for the instructions that generator emits only (anything else fails the test), with the
 * verifier's checks that matter here: forward jumps inside the program, registers written before
 * they are read, loads and stores only through the context, the stack or the socket, inside them.
 * The two helpers are modelled: {@code bpf_set_retval} records the errno, {@code bpf_bind} records
 * the address it was given and returns what the test says (0, or -EINVAL for a bound socket).
 * The kernel's own verifier and hooks are SockAddrProgramsHostTest's.
 */
final class SockAddrInterpreter {
    /** What a run left: R0 (1 allow, 0 refuse), the errno set (0 if none), the context after it, what bpf_bind got (null if not called). */
    record Run(long r0, int errno, byte[] ctx, byte[] bound) {
        int word(int off) { return ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }
    }

    private enum Region { NONE, CTX, STACK, SOCK }

    static final int CTX_SIZE = 72, SK = 64, STACK_SIZE = 512, SOCK_SIZE = 80;

    private SockAddrInterpreter() {}

    /**
     * @param ctx        the {@code bpf_sock_addr} (72 bytes; the {@code sk} pointer at 64 is the interpreter's)
     * @param sock       the {@code bpf_sock} {@code sk} points at
     * @param bindResult what {@code bpf_bind} returns
     */
    static Run run(List<Insn> program, byte[] ctx, byte[] sock, long bindResult) {
        byte[] c = Arrays.copyOf(ctx, CTX_SIZE), stack = new byte[STACK_SIZE], s = Arrays.copyOf(sock, SOCK_SIZE);
        long[] reg = new long[11];
        Region[] kind = new Region[11];
        boolean[] set = new boolean[11];
        Arrays.fill(kind, Region.NONE);
        kind[1] = Region.CTX;
        set[1] = true;
        kind[10] = Region.STACK;
        reg[10] = STACK_SIZE;
        set[10] = true;
        int errno = 0;
        byte[] bound = null;
        int pc = 0;
        for (int steps = 0; steps < 100_000; steps++) {
            if (pc < 0 || pc >= program.size()) throw new AssertionError("pc " + pc + " outside the program of " + program.size());
            Insn i = program.get(pc);
            int next = pc + 1;
            switch (i.code()) {
                case Insn.LDX | Insn.W | Insn.MEM, Insn.LDX | Insn.DW | Insn.MEM -> {
                    read(set, i.src(), pc);
                    int size = i.code() == (Insn.LDX | Insn.W | Insn.MEM) ? 4 : 8;
                    int off = (int) reg[i.src()] + i.off();
                    if (kind[i.src()] == Region.CTX && off == SK && size == 8) {
                        put(reg, kind, set, i.dst(), 0, Region.SOCK);             // PTR_TO_SOCKET
                    } else {
                        byte[] m = memory(kind[i.src()], c, stack, s, pc);
                        check(m, off, size, pc);
                        if (kind[i.src()] == Region.CTX && off >= SK) throw new AssertionError("a word load of the sk pointer at " + pc);
                        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
                        put(reg, kind, set, i.dst(), size == 4 ? Integer.toUnsignedLong(b.getInt(off)) : b.getLong(off), Region.NONE);
                    }
                }
                case Insn.STX | Insn.W | Insn.MEM -> {
                    read(set, i.src(), pc);
                    read(set, i.dst(), pc);
                    if (kind[i.src()] != Region.NONE) throw new AssertionError("a pointer stored at " + pc);
                    store(memory(kind[i.dst()], c, stack, s, pc), (int) reg[i.dst()] + i.off(), 4, reg[i.src()], pc);
                }
                case Insn.ST | Insn.DW | Insn.MEM, Insn.ST | Insn.H | Insn.MEM, Insn.ST | Insn.W | Insn.MEM -> {
                    read(set, i.dst(), pc);
                    int size = (i.code() & 0x18) == Insn.DW ? 8 : (i.code() & 0x18) == Insn.H ? 2 : 4;
                    store(memory(kind[i.dst()], c, stack, s, pc), (int) reg[i.dst()] + i.off(), size, i.imm(), pc);
                }
                case Insn.ALU64 | Insn.MOV | Insn.K -> put(reg, kind, set, i.dst(), i.imm(), Region.NONE);
                case Insn.ALU | Insn.MOV | Insn.K -> put(reg, kind, set, i.dst(), Integer.toUnsignedLong(i.imm()), Region.NONE);
                case Insn.ALU64 | Insn.MOV | Insn.X -> {
                    read(set, i.src(), pc);
                    put(reg, kind, set, i.dst(), reg[i.src()], kind[i.src()]);
                }
                case Insn.ALU64 | Insn.ADD | Insn.K -> {
                    read(set, i.dst(), pc);
                    reg[i.dst()] += i.imm();                                      // a pointer keeps its region
                }
                case Insn.ALU64 | Insn.AND | Insn.K -> {
                    read(set, i.dst(), pc);
                    scalar(kind, i.dst(), pc);
                    reg[i.dst()] &= i.imm();
                }
                case Insn.JMP | Insn.JA -> next += i.off();
                case Insn.JMP | Insn.JEQ | Insn.K, Insn.JMP | Insn.JNE | Insn.K -> {
                    read(set, i.dst(), pc);
                    scalar(kind, i.dst(), pc);
                    boolean eq = reg[i.dst()] == (long) i.imm();
                    if (eq == ((i.code() & 0xf0) == Insn.JEQ)) next += i.off();
                }
                case Insn.JMP | Insn.JEQ | Insn.X, Insn.JMP | Insn.JNE | Insn.X -> {
                    read(set, i.dst(), pc);
                    read(set, i.src(), pc);
                    scalar(kind, i.dst(), pc);
                    scalar(kind, i.src(), pc);
                    boolean eq = reg[i.dst()] == reg[i.src()];
                    if (eq == ((i.code() & 0xf0) == Insn.JEQ)) next += i.off();
                }
                case Insn.JMP | Insn.CALL -> {
                    long r0;
                    if (i.imm() == Bpf.FUNC_SET_RETVAL) {
                        read(set, 1, pc);
                        errno = (int) -reg[1];
                        r0 = 0;
                    } else if (i.imm() == Bpf.FUNC_BIND) {
                        for (int r = 1; r <= 3; r++) read(set, r, pc);
                        if (kind[1] != Region.CTX || kind[2] != Region.STACK) throw new AssertionError("bpf_bind(ctx, stack, size) at " + pc);
                        int from = (int) reg[2], size = (int) reg[3];
                        if (from < 0 || size <= 0 || from + size > STACK_SIZE) throw new AssertionError("bpf_bind of " + size + " at " + from + ", at " + pc);
                        bound = Arrays.copyOfRange(stack, from, from + size);
                        r0 = bindResult;
                    } else {
                        throw new AssertionError("helper " + i.imm() + " at " + pc);
                    }
                    for (int r = 1; r <= 5; r++) set[r] = false;                   // the caller-saved registers are clobbered
                    put(reg, kind, set, 0, r0, Region.NONE);
                }
                case Insn.JMP | Insn.EXIT -> {
                    read(set, 0, pc);
                    return new Run(reg[0], errno, c, bound);
                }
                default -> throw new AssertionError("instruction the interpreter does not know: " + i + " at " + pc);
            }
            if (i.isJump() && (next <= pc || next >= program.size()))
                throw new AssertionError("jump from " + pc + " to " + next + " (backwards or out of the program)");
            pc = next;
        }
        throw new AssertionError("no exit");
    }

    private static byte[] memory(Region r, byte[] ctx, byte[] stack, byte[] sock, int pc) {
        return switch (r) {
            case CTX -> ctx;
            case STACK -> stack;
            case SOCK -> sock;
            case NONE -> throw new AssertionError("memory access through a scalar at " + pc);
        };
    }

    private static void check(byte[] m, int off, int size, int pc) {
        if (off < 0 || off + size > m.length || off % size != 0) throw new AssertionError("access of " + size + " at " + off + ", at " + pc);
    }

    private static void store(byte[] m, int off, int size, long value, int pc) {
        check(m, off, size, pc);
        for (int k = 0; k < size; k++) m[off + k] = (byte) (value >>> (8 * k));
    }

    private static void scalar(Region[] kind, int r, int pc) {
        if (kind[r] != Region.NONE) throw new AssertionError("r" + r + " is a pointer at " + pc);
    }

    private static void read(boolean[] set, int r, int pc) {
        if (!set[r]) throw new AssertionError("r" + r + " read before it is written, at " + pc);
    }

    private static void put(long[] reg, Region[] kind, boolean[] set, int r, long value, Region region) {
        if (r == 10) throw new AssertionError("write to the frame pointer r10");
        reg[r] = value;
        kind[r] = region;
        set[r] = true;
    }
}
