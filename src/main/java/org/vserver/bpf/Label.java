package org.vserver.bpf;

/**
 * A place in a program being assembled, made by {@link Assembler#label()} and bound once with
 * {@link Assembler#bind}. Jumps name labels instead of counting instructions; the assembler turns
 * them into offsets when the program is laid out.
 */
public final class Label {
    final Assembler<?> owner;
    private final int id;

    Label(Assembler<?> owner, int id) {
        this.owner = owner;
        this.id = id;
    }

    @Override
    public String toString() { return "L" + id; }
}
