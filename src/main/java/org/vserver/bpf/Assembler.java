package org.vserver.bpf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an eBPF program with named jump targets, so a generator need not count instructions.
 * Jumps go forward only: the programs this project writes are straight-line rule lists, and the
 * verifier rejects loops in the program types used here anyway. One instance per program.
 */
public final class Assembler {
    private final List<Insn> code = new ArrayList<>();
    private final Map<Integer, String> fixups = new HashMap<>();
    private final Map<String, Integer> labels = new HashMap<>();

    /** Appends a complete instruction. */
    public Assembler emit(Insn insn) {
        code.add(insn);
        return this;
    }

    /** Appends instructions in order (e.g. the two halves of {@link Insn#ldImm64}). */
    public Assembler emitAll(java.util.List<Insn> insns) {
        code.addAll(insns);
        return this;
    }

    /** Appends a jump ({@link Insn#jne}, {@link Insn#jset}, {@link Insn#ja}) whose offset is the distance to {@code label}. */
    public Assembler jump(Insn jump, String label) {
        if (!jump.isJump()) throw new IllegalArgumentException("not a jump: " + jump);
        fixups.put(code.size(), label);
        code.add(jump);
        return this;
    }

    /** Names the position of the next instruction. */
    public Assembler label(String name) {
        if (labels.putIfAbsent(name, code.size()) != null) throw new IllegalStateException("eBPF label defined twice: " + name);
        return this;
    }

    /** The program with every jump resolved. */
    public List<Insn> assemble() {
        var out = new ArrayList<>(code);
        for (var f : fixups.entrySet()) {
            Integer target = labels.get(f.getValue());
            if (target == null) throw new IllegalStateException("eBPF label never defined: " + f.getValue());
            int off = target - (f.getKey() + 1);
            if (off < 0) throw new IllegalStateException("eBPF backward jump to " + f.getValue());
            if (target >= code.size()) throw new IllegalStateException("eBPF label past the last instruction: " + f.getValue());
            out.set(f.getKey(), out.get(f.getKey()).withOff(off));
        }
        return List.copyOf(out);
    }
}
