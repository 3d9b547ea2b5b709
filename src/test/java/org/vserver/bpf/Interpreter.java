package org.vserver.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Runs an eBPF program the way the kernel would, for the instructions this project's programs use
 * (anything else fails the test), with the verifier's checks that matter here: jumps go forward and
 * stay inside the program, registers are written before they are read, memory is reached only
 * through a pointer (the context, the stack, or what a context field points at) and inside it, no
 * arithmetic but addition on a pointer, no pointer compared with a number, and the program ends
 * in exit with a number in R0.
 *
 * <p>What differs between program types is a {@link Model}: the context R1 points at, which of its
 * fields hold pointers (a device program has none, a socket address hook's {@code sk}, a tc
 * program's {@code data} and {@code data_end}), and which helpers exist. Seccomp filters run here
 * too, translated from classic BPF as the kernel does ({@link ClassicToExtended}).
 */
public final class Interpreter {
    public static final int STACK_SIZE = 512;
    private static final int STEP_LIMIT = 100_000;

    /**
     * Bytes a pointer may point into. {@code aligned}: an access must be aligned to its size (the
     * context and the stack; packet data need not be).
     */
    public record Memory(String name, byte[] bytes, boolean writable, boolean aligned) {}

    /** A pointer: a region and an offset in it. */
    public record Pointer(Memory memory, long offset) {}

    /** What a program type gives its program. */
    public interface Model {
        /** The context R1 points at when the program starts (asked once). */
        Memory context();

        /** The pointer a load of {@code size} bytes of the context at {@code off} gives, or null for a plain field. */
        default Pointer pointerField(int off, int size) { return null; }

        /** A helper call: R1-R5 in {@code args}, the result goes to R0. */
        default long call(int helper, Args args) {
            throw new AssertionError("helper " + helper + " is not one this program type may call, at " + args.pc());
        }

        /**
         * What {@code ld_imm64} with BPF_PSEUDO_MAP_IDX gives for fd_array index {@code index}: a region
         * standing for the map, never read or written by the program, only passed to helpers.
         */
        default Memory map(int index) {
            throw new AssertionError("map " + index + ": this program type's model has no maps");
        }

        /** Whether {@code helper} returns a pointer or NULL (a map value, a socket): then {@link #callPointer} is asked, not {@link #call}. */
        default boolean returnsPointer(int helper) { return false; }

        /** A helper that returns a pointer: null for NULL, which the program must test before use. */
        default Pointer callPointer(int helper, Args args) {
            throw new AssertionError("helper " + helper + " returns no pointer in this model, at " + args.pc());
        }

        /** Every access of the context, once checked (the seccomp model counts argument loads). */
        default void accessed(int off, int size) {}

        /** Each instruction, before it runs (the seccomp model counts classic instructions). */
        default void executing(int pc) {}
    }

    /** R1-R5 and the stack at a helper call. */
    public final class Args {
        private final int pc;

        private Args(int pc) { this.pc = pc; }

        public int pc() { return pc; }

        public long number(int r) {
            read(r, pc);
            if (region[r] != null) throw new AssertionError("r" + r + " is a pointer, the helper wants a number, at " + pc);
            return reg[r];
        }

        public Pointer pointer(int r) {
            read(r, pc);
            if (region[r] == null) throw new AssertionError("r" + r + " is a number, the helper wants a pointer, at " + pc);
            return new Pointer(region[r], reg[r]);
        }

        public Memory stack() { return stack; }
    }

    private final List<Insn> program;
    private final Model model;
    private final Memory context;
    private final Memory stack = new Memory("stack", new byte[STACK_SIZE], true, true);
    private final long[] reg = new long[11];
    /** The region a register points into, null for a number. */
    private final Memory[] region = new Memory[11];
    private final boolean[] set = new boolean[11];

    private Interpreter(List<Insn> program, Model model) {
        this.program = program;
        this.model = model;
        this.context = model.context();
    }

    /** R0 at exit of {@code program} run in {@code model}. */
    public static long run(List<Insn> program, Model model) {
        return new Interpreter(program, model).run();
    }

    /** R0 at exit of {@code program} run with R1 pointing at {@code ctx}, read-only, without pointers or helpers (a device program's). */
    public static long run(List<Insn> program, byte[] ctx) {
        Memory m = new Memory("context", ctx, false, true);
        return run(program, () -> m);
    }

    private long run() {
        put(1, 0, context);
        put(10, STACK_SIZE, stack);
        int pc = 0;
        for (int steps = 0; steps < STEP_LIMIT; steps++) {
            if (pc < 0 || pc >= program.size()) throw new AssertionError("pc " + pc + " outside the program of " + program.size());
            model.executing(pc);
            Insn i = program.get(pc);
            int next = pc + 1;
            int cls = i.code() & 0x07, op = i.code() & 0xf0;
            boolean x = (i.code() & Insn.X) != 0;
            switch (cls) {
                case Insn.ALU, Insn.ALU64 -> alu(i, cls == Insn.ALU64, op, x, pc);
                case Insn.LDX -> {
                    if ((i.code() & 0xe0) != Insn.MEM) unknown(i, pc);
                    load(i, pc);
                }
                case Insn.STX, Insn.ST -> {
                    if ((i.code() & 0xe0) != Insn.MEM) unknown(i, pc);
                    store(i, cls == Insn.STX, pc);
                }
                case Insn.LD -> {
                    boolean map = i.src() == Bpf.PSEUDO_MAP_IDX;
                    if (i.code() != (Insn.LD | Insn.DW | Insn.IMM) || (i.src() != 0 && !map) || pc + 1 >= program.size()) unknown(i, pc);
                    if (map) put(i.dst(), 0, model.map(i.imm()));
                    else put(i.dst(), Integer.toUnsignedLong(i.imm()) | (long) program.get(pc + 1).imm() << 32, null);
                    next = pc + 2;                                 // the second slot holds the upper half
                }
                case Insn.JMP -> {
                    switch (op) {
                        case Insn.EXIT -> {
                            number(0, pc);
                            return reg[0];
                        }
                        case Insn.CALL -> {
                            if (model.returnsPointer(i.imm())) {
                                Pointer p = model.callPointer(i.imm(), new Args(pc));
                                for (int r = 1; r <= 5; r++) set[r] = false;
                                if (p == null) put(0, 0, null);
                                else put(0, p.offset(), p.memory());
                            } else {
                                long r0 = model.call(i.imm(), new Args(pc));
                                for (int r = 1; r <= 5; r++) set[r] = false;    // the caller-saved registers are clobbered
                                put(0, r0, null);
                            }
                        }
                        case Insn.JA -> next += i.off();
                        default -> {
                            if (taken(i, op, x, pc)) next += i.off();
                        }
                    }
                    if (i.isJump() && (next <= pc || next >= program.size()))
                        throw new AssertionError("jump from " + pc + " to " + next + " (backwards or out of the program)");
                }
                default -> unknown(i, pc);
            }
            pc = next;
        }
        throw new AssertionError("no exit after " + STEP_LIMIT + " steps");
    }

    private void alu(Insn i, boolean wide, int op, boolean x, int pc) {
        int d = i.dst();
        if (op == Insn.END) unknown(i, pc);
        if (op == Insn.XOR && x && i.src() == d && !wide) {           // xor w, w: classic BPF's "A = 0", read or not
            put(d, 0, null);
            return;
        }
        long b;
        Memory from = null;
        if (x) {
            read(i.src(), pc);
            b = reg[i.src()];
            from = region[i.src()];
        } else {
            b = i.imm();                                               // sign-extended, as the kernel does
        }
        if (op == Insn.MOV) {
            if (from != null && !wide) throw new AssertionError("a 32-bit move of pointer r" + i.src() + " at " + pc);
            put(d, wide ? b : b & 0xffff_ffffL, from);
            return;
        }
        read(d, pc);
        Memory to = region[d];
        if (op == Insn.ADD && wide && to != null && from == null) {   // pointer + number: still a pointer into the same region
            reg[d] += b;
            return;
        }
        if (to != null || from != null) throw new AssertionError("arithmetic on a pointer at " + pc + ": " + i);
        long a = reg[d];
        if ((op == Insn.LSH || op == Insn.RSH) && (b < 0 || b >= (wide ? 64 : 32))) throw new AssertionError("shift by " + b + " at " + pc);
        long r = switch (op) {
            case Insn.ADD -> a + b;
            case Insn.SUB -> a - b;
            case Insn.OR -> a | b;
            case Insn.AND -> a & b;
            case Insn.XOR -> a ^ b;
            case Insn.LSH -> a << b;
            case Insn.RSH -> wide ? a >>> b : (a & 0xffff_ffffL) >>> b;
            default -> unknown(i, pc);
        };
        put(d, wide ? r : r & 0xffff_ffffL, null);
    }

    private boolean taken(Insn i, int op, boolean x, int pc) {
        read(i.dst(), pc);
        long a = reg[i.dst()], b;
        if (x) {
            read(i.src(), pc);
            b = reg[i.src()];
            if (region[i.dst()] != region[i.src()])
                throw new AssertionError("r" + i.dst() + " and r" + i.src() + " compared, not both numbers nor pointers into one region, at " + pc);
        } else if (region[i.dst()] != null && i.imm() == 0 && (op == Insn.JEQ || op == Insn.JNE)) {
            a = 1;                                                     // a null check of a pointer a helper gave: not null
            b = 0;
        } else {
            number(i.dst(), pc);
            b = i.imm();
        }
        return switch (op) {
            case Insn.JEQ -> a == b;
            case Insn.JNE -> a != b;
            case Insn.JGT -> Long.compareUnsigned(a, b) > 0;
            case Insn.JGE -> Long.compareUnsigned(a, b) >= 0;
            case Insn.JLT -> Long.compareUnsigned(a, b) < 0;
            case Insn.JLE -> Long.compareUnsigned(a, b) <= 0;
            case Insn.JSET -> (a & b) != 0;
            default -> unknown(i, pc);
        };
    }

    private void load(Insn i, int pc) {
        int size = size(i);
        Pointer p = pointer(i.src(), pc);
        int off = at(p, i.off(), size, pc);
        if (p.memory() == context) {
            Pointer field = model.pointerField(off, size);
            model.accessed(off, size);
            if (field != null) {
                put(i.dst(), field.offset(), field.memory());
                return;
            }
        }
        ByteBuffer b = ByteBuffer.wrap(p.memory().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        put(i.dst(), switch (size) {
            case 1 -> Byte.toUnsignedLong(b.get(off));
            case 2 -> Short.toUnsignedLong(b.getShort(off));
            case 4 -> Integer.toUnsignedLong(b.getInt(off));
            default -> b.getLong(off);
        }, null);
    }

    private void store(Insn i, boolean fromRegister, int pc) {
        int size = size(i);
        long value = fromRegister ? number(i.src(), pc) : i.imm();
        Pointer p = pointer(i.dst(), pc);
        int off = at(p, i.off(), size, pc);
        if (!p.memory().writable()) throw new AssertionError("a store into the read-only " + p.memory().name() + " at " + pc);
        if (p.memory() == context) model.accessed(off, size);
        for (int k = 0; k < size; k++) p.memory().bytes()[off + k] = (byte) (value >>> (8 * k));
    }

    /** The byte offset of an access of {@code size} at {@code p + delta}, checked. */
    private static int at(Pointer p, int delta, int size, int pc) {
        long off = p.offset() + delta;
        Memory m = p.memory();
        if (off < 0 || off + size > m.bytes().length || (m.aligned() && off % size != 0))
            throw new AssertionError("access of " + size + " bytes at " + off + " of the " + m.name() + " (" + m.bytes().length + " bytes), at " + pc);
        return (int) off;
    }

    private static int size(Insn i) {
        return switch (i.code() & 0x18) {
            case Insn.B -> 1;
            case Insn.H -> 2;
            case Insn.W -> 4;
            default -> 8;
        };
    }

    private Pointer pointer(int r, int pc) {
        read(r, pc);
        if (region[r] == null) throw new AssertionError("memory access through r" + r + ", a number, at " + pc);
        return new Pointer(region[r], reg[r]);
    }

    private long number(int r, int pc) {
        read(r, pc);
        if (region[r] != null) throw new AssertionError("r" + r + " is a pointer at " + pc);
        return reg[r];
    }

    private void read(int r, int pc) {
        if (!set[r]) throw new AssertionError("r" + r + " read before it is written, at " + pc);
    }

    private void put(int r, long value, Memory pointsInto) {
        if (r == 10 && set[10]) throw new AssertionError("write to the frame pointer r10");
        reg[r] = value;
        region[r] = pointsInto;
        set[r] = true;
    }

    private static <T> T unknown(Insn i, int pc) {
        throw new AssertionError("instruction the interpreter does not know: " + i + " at " + pc);
    }
}
