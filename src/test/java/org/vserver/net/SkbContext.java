package org.vserver.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Interpreter;

/**
 * What a tc classifier ({@link SpoofFilter}) gets from the kernel, for {@link Interpreter}: R1
 * points at a {@code struct __sk_buff} whose {@code data} and {@code data_end} fields load as
 * pointers to the start and the end of the frame (direct packet access), and whose
 * {@code vlan_present} says whether the veth took a VLAN tag off. An access past the frame fails
 * the test: the verifier would have refused a program that did not check the bounds first.
 */
final class SkbContext implements Interpreter.Model {
    /** sizeof(struct __sk_buff), as far as this model is concerned. */
    static final int SKB_SIZE = 192;

    private final Interpreter.Memory skb, frame;

    private SkbContext(byte[] frame, boolean vlanPresent) {
        byte[] skb = ByteBuffer.allocate(SKB_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(SpoofFilter.SKB_VLAN_PRESENT, vlanPresent ? 1 : 0).array();
        this.skb = new Interpreter.Memory("__sk_buff", skb, false, true);
        this.frame = new Interpreter.Memory("frame", frame.clone(), false, false);
    }

    /** The verdict (TCX_PASS, TCX_DROP) of {@code program} on {@code frame}. */
    static long run(List<Insn> program, byte[] frame, boolean vlanPresent) {
        return Interpreter.run(program, new SkbContext(frame, vlanPresent));
    }

    @Override public Interpreter.Memory context() { return skb; }

    @Override public Interpreter.Pointer pointerField(int off, int size) {
        if (off == SpoofFilter.SKB_DATA && size == 4) return new Interpreter.Pointer(frame, 0);
        if (off == SpoofFilter.SKB_DATA_END && size == 4) return new Interpreter.Pointer(frame, frame.bytes().length);
        if (off < SpoofFilter.SKB_DATA_END + 4 && off + size > SpoofFilter.SKB_DATA) throw new AssertionError("a partial load of data/data_end at " + off);
        return null;
    }
}
