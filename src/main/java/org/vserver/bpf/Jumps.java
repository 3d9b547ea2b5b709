package org.vserver.bpf;

/**
 * What {@link Assembler} must know of an instruction set to resolve labels: which instructions
 * jump and to how many targets, how far their offset field reaches, and how the resolved offsets
 * are written in. Offsets count instructions after the next one, in both sets.
 */
interface Jumps<I> {
    /** 0 for an instruction that does not jump (exit and call included), else how many labels it names. */
    int targets(I insn);

    /** The largest offset the jump's field holds. */
    long reach(I jump);

    /** The jump with its offsets filled in ({@code ifFalse} is unused by a one-target jump). */
    I resolve(I jump, int ifTrue, int ifFalse);

    /** The unconditional jump by {@code offset}: the trampoline of a two-target jump whose targets lie too far. */
    I always(int offset);
}
