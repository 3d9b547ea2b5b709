package org.vserver.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One eBPF instruction as the kernel reads it (Documentation/bpf/standardization/instruction-set.rst):
 * {@code u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm}, 8 bytes, little endian on x86_64.
 * Only the few instructions this project's programs need have factories.
 *
 * @param code the opcode: class | operation | source (or class | size | mode for loads)
 * @param dst  destination register, 0-10
 * @param src  source register, 0-10
 * @param off  jump offset in instructions after the next one, or the load's byte offset
 * @param imm  the immediate operand
 */
public record Insn(int code, int dst, int src, int off, int imm) {
    /** Instruction classes. */
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, ALU64 = 0x07;
    /** Load/store sizes (word 4, half 2, byte 1, double word 8) and modes (memory, 64-bit immediate). */
    public static final int W = 0x00, H = 0x08, B = 0x10, DW = 0x18, IMM = 0x00, MEM = 0x60;
    /** ALU operations. */
    public static final int ADD = 0x00, SUB = 0x10, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70, XOR = 0xa0, MOV = 0xb0, END = 0xd0;
    /** Jump operations: always, equal, unsigned greater (or equal), any bit set, not equal, call, return r0, unsigned less (or equal). */
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, CALL = 0x80, EXIT = 0x90,
            JLT = 0xa0, JLE = 0xb0;
    /** Operand source: the immediate, or the src register. */
    public static final int K = 0x00, X = 0x08;
    /** Bytes per instruction. */
    public static final int SIZE = 8;

    public Insn {
        if (dst < 0 || dst > 10 || src < 0 || src > 10) throw new IllegalArgumentException("eBPF register out of range: r" + dst + ", r" + src);
        if (off != (short) off) throw new IllegalArgumentException("eBPF offset out of range: " + off);
        if (code < 0 || code > 0xff) throw new IllegalArgumentException("eBPF opcode out of range: " + code);
    }

    /** {@code dst = *(u32 *)(src + off)}, zero-extended to 64 bits. */
    public static Insn ldxw(int dst, int src, int off) { return new Insn(LDX | W | MEM, dst, src, off, 0); }

    /** {@code dst = *(u16 *)(src + off)}. */
    public static Insn ldxh(int dst, int src, int off) { return new Insn(LDX | H | MEM, dst, src, off, 0); }

    /** {@code dst = *(u8 *)(src + off)}. */
    public static Insn ldxb(int dst, int src, int off) { return new Insn(LDX | B | MEM, dst, src, off, 0); }

    /** {@code dst = *(u64 *)(src + off)}. */
    public static Insn ldxdw(int dst, int src, int off) { return new Insn(LDX | DW | MEM, dst, src, off, 0); }

    /** {@code *(u32 *)(dst + off) = src}. */
    public static Insn stxw(int dst, int off, int src) { return new Insn(STX | W | MEM, dst, src, off, 0); }

    /** {@code *(u64 *)(dst + off) = src}. */
    public static Insn stxdw(int dst, int off, int src) { return new Insn(STX | DW | MEM, dst, src, off, 0); }

    /** {@code *(u32 *)(dst + off) = imm}. */
    public static Insn stw(int dst, int off, int imm) { return new Insn(ST | W | MEM, dst, 0, off, imm); }

    /** {@code *(u16 *)(dst + off) = imm}. */
    public static Insn sth(int dst, int off, int imm) { return new Insn(ST | H | MEM, dst, 0, off, imm); }

    /** {@code *(u64 *)(dst + off) = imm} (sign-extended). */
    public static Insn stdw(int dst, int off, int imm) { return new Insn(ST | DW | MEM, dst, 0, off, imm); }

    /**
     * {@code dst = imm64}: the one instruction that takes two slots (the second holds the upper 32
     * bits), returned as its two halves in order.
     */
    public static List<Insn> ldImm64(int dst, long imm) {
        return List.of(new Insn(LD | DW | IMM, dst, 0, 0, (int) imm), new Insn(0, 0, 0, 0, (int) (imm >>> 32)));
    }

    /**
     * {@code dst = map} for the map at {@code index} of the fd_array passed to BPF_PROG_LOAD
     * (src_reg BPF_PSEUDO_MAP_IDX): the program names its maps by position, so it is the same bytes
     * whichever fds the loader holds.
     */
    public static List<Insn> ldMapIdx(int dst, int index) {
        return List.of(new Insn(LD | DW | IMM, dst, Bpf.PSEUDO_MAP_IDX, 0, index), new Insn(0, 0, 0, 0, 0));
    }

    /** {@code dst |= src}. */
    public static Insn orReg(int dst, int src) { return new Insn(ALU64 | OR | X, dst, src, 0, 0); }

    /** {@code dst += imm}. */
    public static Insn add(int dst, int imm) { return new Insn(ALU64 | ADD | K, dst, 0, 0, imm); }

    /** {@code dst += src}. */
    public static Insn addReg(int dst, int src) { return new Insn(ALU64 | ADD | X, dst, src, 0, 0); }

    /** {@code dst |= imm}. */
    public static Insn or(int dst, int imm) { return new Insn(ALU64 | OR | K, dst, 0, 0, imm); }

    /** {@code dst <<= imm}. */
    public static Insn lsh(int dst, int imm) { return new Insn(ALU64 | LSH | K, dst, 0, 0, imm); }

    /** {@code dst = (u32) imm}: the 32-bit move, zero-extending (for constants with the top bit set). */
    public static Insn mov32(int dst, int imm) { return new Insn(ALU | MOV | K, dst, 0, 0, imm); }

    /** {@code dst = bswap_be(dst)} for {@code bits} = 16, 32 or 64: network to host order on little endian. */
    public static Insn be(int dst, int bits) {
        if (bits != 16 && bits != 32 && bits != 64) throw new IllegalArgumentException("byte swap of " + bits + " bits");
        return new Insn(ALU | END | X, dst, 0, 0, bits);                                      // BPF_TO_BE = 0x08
    }

    /** {@code if (dst == imm) goto +off}. */
    public static Insn jeq(int dst, int imm, int off) { return new Insn(JMP | JEQ | K, dst, 0, off, imm); }

    /** {@code if (dst == src) goto +off}. */
    public static Insn jeqReg(int dst, int src, int off) { return new Insn(JMP | JEQ | X, dst, src, off, 0); }

    /** {@code if (dst != src) goto +off}. */
    public static Insn jneReg(int dst, int src, int off) { return new Insn(JMP | JNE | X, dst, src, off, 0); }

    /** {@code if (dst > imm) goto +off}, unsigned. */
    public static Insn jgt(int dst, int imm, int off) { return new Insn(JMP | JGT | K, dst, 0, off, imm); }

    /** {@code if (dst >= imm) goto +off}, unsigned. */
    public static Insn jge(int dst, int imm, int off) { return new Insn(JMP | JGE | K, dst, 0, off, imm); }

    /** {@code if (dst < imm) goto +off}, unsigned. */
    public static Insn jlt(int dst, int imm, int off) { return new Insn(JMP | JLT | K, dst, 0, off, imm); }

    /** {@code if (dst > src) goto +off}, unsigned (packet bounds checks). */
    public static Insn jgtReg(int dst, int src, int off) { return new Insn(JMP | JGT | X, dst, src, off, 0); }

    /** {@code r0 = helper(r1..r5)}: a kernel helper by its number (enum bpf_func_id). */
    public static Insn call(int helper) { return new Insn(JMP | CALL, 0, 0, 0, helper); }

    /** {@code dst = imm} (sign-extended). */
    public static Insn mov(int dst, int imm) { return new Insn(ALU64 | MOV | K, dst, 0, 0, imm); }

    /** {@code dst = src}. */
    public static Insn movReg(int dst, int src) { return new Insn(ALU64 | MOV | X, dst, src, 0, 0); }

    /** {@code dst &= imm}. */
    public static Insn and(int dst, int imm) { return new Insn(ALU64 | AND | K, dst, 0, 0, imm); }

    /** {@code dst >>= imm} (logical). */
    public static Insn rsh(int dst, int imm) { return new Insn(ALU64 | RSH | K, dst, 0, 0, imm); }

    /** {@code if (dst != imm) goto +off}. */
    public static Insn jne(int dst, int imm, int off) { return new Insn(JMP | JNE | K, dst, 0, off, imm); }

    /** {@code if (dst & imm) goto +off}. */
    public static Insn jset(int dst, int imm, int off) { return new Insn(JMP | JSET | K, dst, 0, off, imm); }

    /** {@code goto +off}. */
    public static Insn ja(int off) { return new Insn(JMP | JA, 0, 0, off, 0); }

    /** {@code return r0}. */
    public static Insn exit() { return new Insn(JMP | EXIT, 0, 0, 0, 0); }

    /** eBPF jumps for {@link Assembler}: one target each (a false condition falls through), a signed 16-bit offset. */
    static final Jumps<Insn> JUMPS = new Jumps<>() {
        @Override public int targets(Insn i) { return i.isJump() ? 1 : 0; }

        @Override public long reach(Insn jump) { return Short.MAX_VALUE; }

        @Override public Insn resolve(Insn j, int ifTrue, int ifFalse) { return new Insn(j.code, j.dst, j.src, ifTrue, j.imm); }

        @Override public Insn always(int offset) { return ja(offset); }
    };

    /** True for a conditional or unconditional jump (not exit, not a call). */
    public boolean isJump() {
        return (code & 0x07) == JMP && (code & 0xf0) != EXIT && (code & 0xf0) != CALL;
    }

    /** The program as bpf(BPF_PROG_LOAD) takes it. */
    public static byte[] encode(List<Insn> program) {
        ByteBuffer b = ByteBuffer.allocate(program.size() * SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn i : program) {
            b.put((byte) i.code).put((byte) (i.src << 4 | i.dst)).putShort((short) i.off).putInt(i.imm);
        }
        return b.array();
    }

    /** The inverse of {@link #encode}, for tests and debugging. */
    public static List<Insn> decode(byte[] code) {
        if (code.length % SIZE != 0) throw new IllegalArgumentException("eBPF code of " + code.length + " bytes is not whole instructions");
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        var out = new java.util.ArrayList<Insn>();
        while (b.hasRemaining()) {
            int c = b.get() & 0xff, regs = b.get() & 0xff;
            out.add(new Insn(c, regs & 0x0f, regs >> 4, b.getShort(), b.getInt()));
        }
        return List.copyOf(out);
    }
}
