package org.vserver.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Runs an eBPF program the way the kernel would, for the instructions this project emits only
 * (anything else fails the test), with a few of the verifier's checks: jumps stay inside the
 * program, registers are written before they are read, loads come from the context in R1 and stay
 * inside it, and the program ends in exit with R0 set.
 */
public final class Interpreter {
    private static final int STEP_LIMIT = 100_000;

    private Interpreter() {}

    /** R0 at exit of {@code program} run with R1 pointing at {@code ctx}. */
    public static long run(List<Insn> program, byte[] ctx) {
        long[] reg = new long[11];
        boolean[] set = new boolean[11];
        boolean[] isCtx = new boolean[11];
        reg[1] = 0;
        set[1] = true;
        isCtx[1] = true;
        ByteBuffer c = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
        int pc = 0;
        for (int steps = 0; steps < STEP_LIMIT; steps++) {
            if (pc < 0 || pc >= program.size()) throw new AssertionError("pc " + pc + " outside the program of " + program.size());
            Insn i = program.get(pc);
            int next = pc + 1;
            switch (i.code()) {
                case Insn.LDX | Insn.W | Insn.MEM -> {
                    read(set, i.src(), pc);
                    if (!isCtx[i.src()]) throw new AssertionError("load through r" + i.src() + ", not the context, at " + pc);
                    if (i.off() < 0 || i.off() % 4 != 0 || i.off() + 4 > ctx.length)
                        throw new AssertionError("context load at offset " + i.off() + " at " + pc);
                    write(reg, set, isCtx, i.dst(), Integer.toUnsignedLong(c.getInt(i.off())));
                }
                case Insn.ALU64 | Insn.MOV | Insn.K -> write(reg, set, isCtx, i.dst(), i.imm());
                case Insn.ALU64 | Insn.MOV | Insn.X -> {
                    read(set, i.src(), pc);
                    write(reg, set, isCtx, i.dst(), reg[i.src()]);
                    isCtx[i.dst()] = isCtx[i.src()];
                }
                case Insn.ALU64 | Insn.AND | Insn.K -> {
                    read(set, i.dst(), pc);
                    write(reg, set, isCtx, i.dst(), reg[i.dst()] & i.imm());
                }
                case Insn.ALU64 | Insn.RSH | Insn.K -> {
                    read(set, i.dst(), pc);
                    if (i.imm() < 0 || i.imm() > 63) throw new AssertionError("shift by " + i.imm() + " at " + pc);
                    write(reg, set, isCtx, i.dst(), reg[i.dst()] >>> i.imm());
                }
                case Insn.JMP | Insn.JA -> next += i.off();
                case Insn.JMP | Insn.JNE | Insn.K -> {
                    read(set, i.dst(), pc);
                    if (reg[i.dst()] != (long) i.imm()) next += i.off();
                }
                case Insn.JMP | Insn.JSET | Insn.K -> {
                    read(set, i.dst(), pc);
                    if ((reg[i.dst()] & (long) i.imm()) != 0) next += i.off();
                }
                case Insn.JMP | Insn.EXIT -> {
                    read(set, 0, pc);
                    return reg[0];
                }
                default -> throw new AssertionError("instruction the interpreter does not know: " + i + " at " + pc);
            }
            if (i.isJump() && (next <= pc || next >= program.size()))
                throw new AssertionError("jump from " + pc + " to " + next + " (backwards or out of the program)");
            pc = next;
        }
        throw new AssertionError("no exit after " + STEP_LIMIT + " steps");
    }

    private static void read(boolean[] set, int r, int pc) {
        if (!set[r]) throw new AssertionError("r" + r + " read before it is written, at " + pc);
    }

    private static void write(long[] reg, boolean[] set, boolean[] isCtx, int r, long value) {
        if (r == 10) throw new AssertionError("write to the frame pointer r10");
        reg[r] = value;
        set[r] = true;
        isCtx[r] = false;
    }
}
