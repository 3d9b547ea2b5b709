package org.vserver.bpf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a BPF program, classic ({@link ClassicInsn}, for seccomp) or extended ({@link Insn}, for
 * the cgroup and tc programs), with {@link Label}s for jump targets, so a generator need not count
 * instructions. One instance per program.
 *
 * <p>Jumps go forward only: classic BPF has no backward jumps, and the eBPF programs here are
 * straight-line rule lists (the verifier refuses loops in them anyway). A label jumped to must be
 * bound exactly once, to a place that has an instruction after it.
 *
 * <p>Offsets must fit their field: eBPF's are 16 bits, an error past that; a classic conditional
 * jump has 8 bits for each target, and one whose target lies further is expanded into
 * {@code jcond +0 +1; ja T; ja F} (classic JA has a 32-bit offset), repeated until every offset
 * fits, so a compiler can lay its code out freely.
 */
public final class Assembler<I> {
    private sealed interface Item<I> {}
    private record Plain<I>(I insn) implements Item<I> {}
    private record Bind<I>(Label label) implements Item<I> {}
    /** A jump to one target ({@code ifFalse} null: eBPF jumps, classic JA) or two (classic conditionals). */
    private record Jump<I>(I insn, Label ifTrue, Label ifFalse) implements Item<I> {}

    private final Jumps<I> set;
    private final List<Item<I>> items = new ArrayList<>();
    private final Set<Label> bound = new HashSet<>();
    private int labels;

    private Assembler(Jumps<I> set) { this.set = set; }

    /** An assembler of eBPF ({@code struct bpf_insn}). */
    public static Assembler<Insn> extended() { return new Assembler<>(Insn.JUMPS); }

    /** An assembler of classic BPF ({@code struct sock_filter}). */
    public static Assembler<ClassicInsn> classic() { return new Assembler<>(ClassicInsn.JUMPS); }

    /** A new label of this program, to bind once. */
    public Label label() { return new Label(this, labels++); }

    /** Names the position of the next instruction. */
    public Assembler<I> bind(Label label) {
        own(label);
        if (!bound.add(label)) throw new IllegalStateException(label + " bound twice");
        items.add(new Bind<>(label));
        return this;
    }

    /** Appends a complete instruction. */
    public Assembler<I> emit(I insn) {
        items.add(new Plain<>(insn));
        return this;
    }

    /** Appends instructions in order (e.g. the two halves of {@link Insn#ldImm64}). */
    public Assembler<I> emitAll(List<I> insns) {
        insns.forEach(this::emit);
        return this;
    }

    /** Appends a jump to one target ({@link Insn#jne}, {@link Insn#ja}, {@link ClassicInsn#ja}, ...); its offset becomes the distance to {@code target}. */
    public Assembler<I> jump(I jump, Label target) {
        if (set.targets(jump) != 1) throw new IllegalArgumentException("not a jump to one target: " + jump);
        items.add(new Jump<>(jump, own(target), null));
        return this;
    }

    /** Appends a classic conditional jump: to {@code ifTrue} if the condition holds, else to {@code ifFalse}. */
    public Assembler<I> jump(I jump, Label ifTrue, Label ifFalse) {
        if (set.targets(jump) != 2) throw new IllegalArgumentException("not a jump to two targets: " + jump);
        items.add(new Jump<>(jump, own(ifTrue), own(ifFalse)));
        return this;
    }

    /** The program with every jump resolved. */
    public List<I> assemble() {
        int n = items.size();
        boolean[] far = new boolean[n];
        while (true) {
            int[] pos = new int[n + 1];
            Map<Label, Integer> at = new HashMap<>();
            for (int i = 0; i < n; i++) {
                pos[i + 1] = pos[i] + size(items.get(i), far[i]);
                if (items.get(i) instanceof Bind<I> b) at.put(b.label(), pos[i]);
            }
            var layout = new Layout(at, pos[n]);
            boolean grew = false;
            for (int i = 0; i < n; i++) {
                if (items.get(i) instanceof Jump<I> j && j.ifFalse() != null && !far[i]) {
                    long reach = set.reach(j.insn());
                    if (layout.offset(j.ifTrue(), pos[i]) > reach || layout.offset(j.ifFalse(), pos[i]) > reach) {
                        far[i] = true;
                        grew = true;
                    }
                }
            }
            if (grew) continue;                   // an expansion moves the code after it: lay out again
            List<I> out = new ArrayList<>(pos[n]);
            for (int i = 0; i < n; i++) {
                int from = pos[i];
                boolean expanded = far[i];
                switch (items.get(i)) {
                    case Plain<I> p -> out.add(p.insn());
                    case Bind<I> b -> { }
                    case Jump<I> j when j.ifFalse() == null -> out.add(set.resolve(j.insn(), layout.fit(j.insn(), j.ifTrue(), from), 0));
                    case Jump<I> j when !expanded ->
                            out.add(set.resolve(j.insn(), layout.fit(j.insn(), j.ifTrue(), from), layout.fit(j.insn(), j.ifFalse(), from)));
                    case Jump<I> j -> {
                        out.add(set.resolve(j.insn(), 0, 1));
                        I ja = set.always(0);
                        out.add(set.always(layout.fit(ja, j.ifTrue(), from + 1)));
                        out.add(set.always(layout.fit(ja, j.ifFalse(), from + 2)));
                    }
                }
            }
            return List.copyOf(out);
        }
    }

    private Label own(Label l) {
        if (l.owner != this) throw new IllegalArgumentException(l + " belongs to another program");
        return l;
    }

    private static int size(Item<?> item, boolean far) {
        return switch (item) {
            case Bind<?> b -> 0;
            case Jump<?> j when far -> 3;
            default -> 1;
        };
    }

    /** Where each label is bound, in a program of {@code length} instructions. */
    private final class Layout {
        private final Map<Label, Integer> at;
        private final int length;

        Layout(Map<Label, Integer> at, int length) {
            this.at = at;
            this.length = length;
        }

        /** The offset from the instruction at {@code from} to {@code target}: target - (from + 1). */
        long offset(Label target, int from) {
            Integer t = at.get(target);
            if (t == null) throw new IllegalStateException(target + " is never bound");
            if (t >= length) throw new IllegalStateException(target + " is past the last instruction");
            long off = (long) t - from - 1;
            if (off < 0) throw new IllegalStateException("jump from " + from + " back to " + target + " at " + t + ": BPF jumps only forward");
            return off;
        }

        /** {@link #offset}, which must fit the field of {@code jump}. */
        int fit(I jump, Label target, int from) {
            long off = offset(target, from);
            if (off > set.reach(jump)) throw new IllegalStateException("jump from " + from + " to " + target + ": offset " + off
                    + " out of range (at most " + set.reach(jump) + ")");
            return (int) off;
        }
    }
}
