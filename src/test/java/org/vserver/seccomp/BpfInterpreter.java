package org.vserver.seccomp;

import java.util.List;

/**
 * Runs a seccomp filter as the kernel would, for the forms FilterCompiler emits (word loads of
 * seccomp_data, JA, JEQ/JGT/JGE/JSET with K, RET K). Anything else, a jump out of the program or
 * a path without RET fails the test. Also counts argument loads: the cache-friendliness check.
 */
record BpfInterpreter(List<Insn> program) {

    /** What one run returned, and whether it read any argument on the way. */
    record Result(int action, boolean readArgs, int steps) {}

    Result run(int arch, int nr, long... args) {
        int a = 0, pc = 0, steps = 0;
        boolean readArgs = false;
        while (true) {
            if (pc < 0 || pc >= program.size()) throw new AssertionError("pc " + pc + " outside the program");
            Insn i = program.get(pc);
            steps++;
            switch (i.code()) {
                case Insn.LD_W_ABS -> {
                    int k = i.k();
                    if (k == 0) a = nr;
                    else if (k == 4) a = arch;
                    else if (k >= 16 && k < 64 && k % 4 == 0) {
                        readArgs = true;
                        int idx = (k - 16) / 8;
                        long v = idx < args.length ? args[idx] : 0;
                        a = (k % 8 == 0) ? (int) v : (int) (v >>> 32);
                    } else throw new AssertionError("load of offset " + k);
                    pc++;
                }
                case Insn.JMP_JA -> pc += 1 + i.k();
                case Insn.JMP_JEQ_K -> pc += 1 + (a == i.k() ? i.jt() : i.jf());
                case Insn.JMP_JGT_K -> pc += 1 + (Integer.compareUnsigned(a, i.k()) > 0 ? i.jt() : i.jf());
                case Insn.JMP_JGE_K -> pc += 1 + (Integer.compareUnsigned(a, i.k()) >= 0 ? i.jt() : i.jf());
                case Insn.JMP_JSET_K -> pc += 1 + ((a & i.k()) != 0 ? i.jt() : i.jf());
                case Insn.RET_K -> { return new Result(i.k(), readArgs, steps); }
                default -> throw new AssertionError("instruction " + i + " not expected in a seccomp filter");
            }
        }
    }
}
