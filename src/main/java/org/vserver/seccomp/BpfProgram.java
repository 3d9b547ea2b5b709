package org.vserver.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** A filter ready for seccomp(2): its instructions, as bytes in {@code struct sock_filter} layout. */
public record BpfProgram(List<Insn> insns) {
    /** BPF_MAXINSNS: the kernel refuses longer programs. */
    public static final int MAX_INSNS = 4096;

    public BpfProgram {
        insns = List.copyOf(insns);
        if (insns.isEmpty() || insns.size() > MAX_INSNS)
            throw new IllegalArgumentException("a filter has 1.." + MAX_INSNS + " instructions, not " + insns.size());
    }

    /** count * 8 bytes, native order: what the launcher hands to the kernel as is. */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.nativeOrder());
        for (Insn i : insns) b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        return b.array();
    }

    /** FNV-1a (64 bit) of {@link #bytes()}: how plan text names a program (the launcher computes the same). */
    public long fnv1a() {
        long h = 0xcbf29ce484222325L;
        for (byte x : bytes()) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
