package org.vserver.bpf;

import java.util.List;

/**
 * An eBPF program as a plan carries it to the launcher, which loads it at run time (a cgroup's
 * device policy): the instructions, and their wire form ({@link Insn#encode}).
 */
public record EbpfProgram(List<Insn> insns) {
    public static final int MAX_INSNS = 4096;

    public EbpfProgram {
        insns = List.copyOf(insns);
        if (insns.isEmpty() || insns.size() > MAX_INSNS)
            throw new IllegalArgumentException(insns.size() + " eBPF instructions (1.." + MAX_INSNS + ")");
    }

    public byte[] bytes() { return Insn.encode(insns); }

    /** FNV-1a 64 of {@link #bytes}: what a plan's text shows of it. */
    public long fnv1a() { return Fnv1a.of(Fnv1a.OFFSET, bytes()); }
}
