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
    public static final int LDX = 0x01, JMP = 0x05, ALU64 = 0x07;
    /** Load size and mode: a 32-bit word from memory at src + off. */
    public static final int W = 0x00, MEM = 0x60;
    /** ALU operations. */
    public static final int AND = 0x50, RSH = 0x70, MOV = 0xb0;
    /** Jump operations: always, if not equal, if any bit of {@code dst & imm} is set, return r0. */
    public static final int JA = 0x00, JSET = 0x40, JNE = 0x50, EXIT = 0x90;
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

    /** A copy jumping {@code off} instructions (the assembler fills in its labels this way). */
    Insn withOff(int newOff) { return new Insn(code, dst, src, newOff, imm); }

    /** True for a conditional or unconditional jump (not exit, not a call). */
    public boolean isJump() {
        return (code & 0x07) == JMP && (code & 0xf0) != EXIT;
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
