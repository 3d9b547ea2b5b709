package org.vserver.bpf;

import java.util.ArrayList;
import java.util.List;

/**
 * A seccomp filter translated to eBPF as the kernel does before it runs one (bpf_convert_filter in
 * net/core/filter.c, after seccomp_check_filter): A is R0, X is R7, the context (seccomp_data) is
 * kept in R6, R2 is scratch; a load of seccomp_data becomes a load from the context; a conditional
 * jump becomes one eBPF jump, inverted when its true branch is the next instruction, or a jump and
 * a JA; RET is {@code mov32 r0, k; exit}. Only the forms {@code FilterCompiler} emits are known:
 * anything else fails the test, as do the programs seccomp refuses (a load outside seccomp_data
 * or not of a whole word, a jump out of the program, no RET at the end).
 *
 * @param program the eBPF program
 * @param starts  where each classic instruction's translation starts in it
 */
public record ClassicToExtended(List<Insn> program, int[] starts) {
    static final int A = 0, X = 7, CTX = 6, TMP = 2;
    /** sizeof(struct seccomp_data). */
    public static final int SECCOMP_DATA_SIZE = 64;

    /** One instruction of the translation, and the classic instruction its jump goes to (-1: none). */
    private record Out(Insn insn, int target) {}

    public static ClassicToExtended of(List<ClassicInsn> classic) {
        int n = classic.size();
        if (n == 0 || classic.getLast().code() != ClassicInsn.RET_K) throw new AssertionError("a filter must end in RET");
        List<List<Out>> each = new ArrayList<>(n);
        for (int i = 0; i < n; i++) each.add(translate(classic.get(i), i, n));
        // the prologue: clear A and X, keep the context (R1) in R6
        List<Insn> out = new ArrayList<>(List.of(
                new Insn(Insn.ALU | Insn.XOR | Insn.X, A, A, 0, 0),
                new Insn(Insn.ALU | Insn.XOR | Insn.X, X, X, 0, 0),
                Insn.movReg(CTX, 1)));
        int[] starts = new int[n];
        for (int i = 0, at = out.size(); i < n; at += each.get(i).size(), i++) starts[i] = at;
        for (int i = 0; i < n; i++) {
            for (Out o : each.get(i)) {
                Insn insn = o.insn();
                if (o.target() >= 0) {
                    int off = starts[o.target()] - out.size() - 1;
                    if (off != (short) off) throw new AssertionError("classic jump at " + i + ": eBPF offset " + off + " out of range");
                    insn = new Insn(insn.code(), insn.dst(), insn.src(), off, insn.imm());
                }
                out.add(insn);
            }
        }
        return new ClassicToExtended(List.copyOf(out), starts);
    }

    private static List<Out> translate(ClassicInsn c, int i, int n) {
        int k = c.k();
        return switch (c.code()) {
            case ClassicInsn.LD_W_ABS -> {
                if (k < 0 || k >= SECCOMP_DATA_SIZE || (k & 3) != 0) throw new AssertionError("load of seccomp_data offset " + k + " at " + i);
                yield List.of(new Out(Insn.ldxw(A, CTX, k), -1));
            }
            case ClassicInsn.RET_K -> List.of(new Out(Insn.mov32(A, k), -1), new Out(Insn.exit(), -1));
            case ClassicInsn.JMP_JA -> List.of(new Out(Insn.ja(0), target(i, Integer.toUnsignedLong(k), n)));
            case ClassicInsn.JMP_JEQ_K, ClassicInsn.JMP_JGT_K, ClassicInsn.JMP_JGE_K, ClassicInsn.JMP_JSET_K -> conditional(c, i, n);
            default -> throw new AssertionError("classic instruction " + c + " at " + i + " is not one FilterCompiler emits");
        };
    }

    /** A negative k would be sign-extended as an eBPF immediate: compared through R2 instead, zero-extended. */
    private static List<Out> conditional(ClassicInsn c, int i, int n) {
        List<Out> out = new ArrayList<>();
        int op = c.code() & 0xf0, src = Insn.K, srcReg = 0, imm = c.k();
        if (c.k() < 0) {
            out.add(new Out(Insn.mov32(TMP, c.k()), -1));
            src = Insn.X;
            srcReg = TMP;
            imm = 0;
        }
        int onTrue = target(i, c.jt(), n), onFalse = target(i, c.jf(), n);
        int inverse = switch (op) {
            case Insn.JEQ -> Insn.JNE;
            case Insn.JGT -> Insn.JLE;
            case Insn.JGE -> Insn.JLT;
            default -> -1;
        };
        if (c.jf() == 0) {
            out.add(new Out(new Insn(Insn.JMP | op | src, A, srcReg, 0, imm), onTrue));
        } else if (c.jt() == 0 && inverse >= 0) {
            out.add(new Out(new Insn(Insn.JMP | inverse | src, A, srcReg, 0, imm), onFalse));
        } else {
            out.add(new Out(new Insn(Insn.JMP | op | src, A, srcReg, 0, imm), onTrue));
            out.add(new Out(Insn.ja(0), onFalse));
        }
        return out;
    }

    private static int target(int i, long offset, int n) {
        long t = i + offset + 1;
        if (t >= n) throw new AssertionError("classic jump at " + i + " out of the program");
        return (int) t;
    }

    /** R0 at exit of {@code classic} run on {@code data} (seccomp_data, read-only). */
    public static long run(List<ClassicInsn> classic, byte[] data) {
        return Interpreter.run(of(classic).program(), data);
    }
}
