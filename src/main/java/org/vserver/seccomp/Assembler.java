package org.vserver.seccomp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a classic BPF program with symbolic labels. Conditional jumps name both targets; their
 * 8-bit offsets are resolved at {@link #assemble()}: a jump whose target lies too far is expanded
 * into {@code jcond +0 +1; ja T; ja F} (JA has a 32-bit offset), repeated until every offset fits,
 * so the compiler can lay code out freely. BPF jumps only go forward; a backward one is a bug.
 */
public final class Assembler {

    /** A place in the program; bound once with {@link #bind}. */
    public static final class Label {
        private final int id;
        private Label(int id) { this.id = id; }
        @Override public String toString() { return "L" + id; }
    }

    private sealed interface Item {}
    private record Plain(Insn insn) implements Item {}
    private record Cond(int code, int k, Label t, Label f) implements Item {}
    private record Jump(Label target) implements Item {}
    private record Bind(Label label) implements Item {}

    private final List<Item> items = new ArrayList<>();
    private int labels;

    public Label label() { return new Label(labels++); }

    public Assembler bind(Label l) { items.add(new Bind(l)); return this; }

    public Assembler load(int offset) { items.add(new Plain(Insn.load(offset))); return this; }

    public Assembler ret(int value) { items.add(new Plain(Insn.ret(value))); return this; }

    public Assembler ja(Label target) { items.add(new Jump(target)); return this; }

    /** {@code if (A <cond> k) goto t else goto f}; {@code code} is one of Insn's JMP_*_K. */
    public Assembler jump(int code, int k, Label t, Label f) {
        if (code != Insn.JMP_JEQ_K && code != Insn.JMP_JGT_K && code != Insn.JMP_JGE_K && code != Insn.JMP_JSET_K)
            throw new IllegalArgumentException("not a conditional jump: 0x" + Integer.toHexString(code));
        items.add(new Cond(code, k, t, f));
        return this;
    }

    public List<Insn> assemble() {
        int n = items.size();
        boolean[] expanded = new boolean[n];
        while (true) {
            int[] pos = new int[n + 1];
            Map<Label, Integer> at = new HashMap<>();
            for (int i = 0; i < n; i++) {
                pos[i + 1] = pos[i] + size(items.get(i), expanded[i]);
                if (items.get(i) instanceof Bind b && at.put(b.label(), pos[i]) != null)
                    throw new IllegalStateException(b.label() + " bound twice");
            }
            boolean grew = false;
            for (int i = 0; i < n; i++)
                if (items.get(i) instanceof Cond c && !expanded[i]) {
                    long jt = offset(at, c.t(), pos[i]), jf = offset(at, c.f(), pos[i]);
                    if (jt > 255 || jf > 255) {
                        expanded[i] = true;
                        grew = true;
                    }
                }
            if (grew) continue;
            List<Insn> out = new ArrayList<>(pos[n]);
            for (int i = 0; i < n; i++) {
                final int at0 = pos[i];
                final boolean far = expanded[i];
                switch (items.get(i)) {
                    case Plain p -> out.add(p.insn());
                    case Bind b -> { }
                    case Jump j -> out.add(Insn.ja((int) offset(at, j.target(), at0)));
                    case Cond c when !far ->
                            out.add(new Insn(c.code(), (int) offset(at, c.t(), at0), (int) offset(at, c.f(), at0), c.k()));
                    case Cond c -> {
                        out.add(new Insn(c.code(), 0, 1, c.k()));
                        out.add(Insn.ja((int) offset(at, c.t(), pos[i] + 1)));
                        out.add(Insn.ja((int) offset(at, c.f(), pos[i] + 2)));
                    }
                }
            }
            return List.copyOf(out);
        }
    }

    private static int size(Item item, boolean expanded) {
        return switch (item) {
            case Bind b -> 0;
            case Cond c -> expanded ? 3 : 1;
            default -> 1;
        };
    }

    /** The offset from the instruction at {@code from} to {@code target}: target - (from + 1). */
    private static long offset(Map<Label, Integer> at, Label target, int from) {
        Integer t = at.get(target);
        if (t == null) throw new IllegalStateException(target + " is never bound");
        long off = (long) t - from - 1;
        if (off < 0) throw new IllegalStateException("jump from " + from + " back to " + target + " at " + t + ": BPF jumps only forward");
        return off;
    }
}
