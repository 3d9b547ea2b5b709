package org.vserver.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF program ready for the kernel, as seccomp(2) takes it: its instructions, as bytes
 * in {@code struct sock_filter} layout. What a plan carries for a guest's filter.
 */
public record ClassicProgram(List<ClassicInsn> insns) {
    /** BPF_MAXINSNS: the kernel refuses longer programs. */
    public static final int MAX_INSNS = 4096;
    /** Bytes per {@code struct sock_filter}. */
    public static final int INSN_SIZE = 8;

    public ClassicProgram {
        insns = List.copyOf(insns);
        if (insns.isEmpty() || insns.size() > MAX_INSNS)
            throw new IllegalArgumentException("a filter has 1.." + MAX_INSNS + " instructions, not " + insns.size());
    }

    /** count * 8 bytes, native order: what the launcher hands to the kernel as is. */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(insns.size() * INSN_SIZE).order(ByteOrder.nativeOrder());
        for (ClassicInsn i : insns) b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        return b.array();
    }

    /** The inverse of {@link #bytes()}. */
    public static ClassicProgram decode(byte[] bytes) {
        if (bytes.length % INSN_SIZE != 0) throw new IllegalArgumentException("a filter of " + bytes.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        List<ClassicInsn> insns = new ArrayList<>(bytes.length / INSN_SIZE);
        while (b.hasRemaining())
            insns.add(new ClassicInsn(Short.toUnsignedInt(b.getShort()), b.get() & 0xff, b.get() & 0xff, b.getInt()));
        return new ClassicProgram(insns);
    }

    /** FNV-1a (64 bit) of {@link #bytes()}: how plan text names a program (the launcher computes the same). */
    public long fnv1a() { return Fnv1a.of(Fnv1a.OFFSET, bytes()); }
}
