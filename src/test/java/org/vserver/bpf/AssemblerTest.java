package org.vserver.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one assembler, for both instruction sets; its programs run in {@link Interpreter} (classic ones translated). */
class AssemblerTest {
    static String hex(List<Insn> p) {
        return HexFormat.ofDelimiter(" ").formatHex(Insn.encode(p));
    }

    /** A classic program's return value on a seccomp_data whose first word (nr) is {@code nr}. */
    static int run(List<ClassicInsn> p, int nr) {
        byte[] data = ByteBuffer.allocate(ClassicToExtended.SECCOMP_DATA_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(0, nr).array();
        return (int) ClassicToExtended.run(p, data);
    }

    @Test void encodingIsTheKernelsLittleEndianLayout() {
        // opcode; src in the high nibble, dst in the low; s16 off; s32 imm
        assertEquals("61 12 04 00 00 00 00 00", hex(List.of(Insn.ldxw(2, 1, 4))));
        assertEquals("b7 00 00 00 01 00 00 00", hex(List.of(Insn.mov(0, 1))));
        assertEquals("bf 23 00 00 00 00 00 00", hex(List.of(Insn.movReg(3, 2))));
        assertEquals("57 03 00 00 ff ff 00 00", hex(List.of(Insn.and(3, 0xffff))));
        assertEquals("77 02 00 00 10 00 00 00", hex(List.of(Insn.rsh(2, 16))));
        assertEquals("55 03 05 00 02 00 00 00", hex(List.of(Insn.jne(3, 2, 5))));
        assertEquals("45 02 03 00 f8 ff 00 00", hex(List.of(Insn.jset(2, 0xfff8, 3))));
        assertEquals("05 00 01 00 00 00 00 00", hex(List.of(Insn.ja(1))));
        assertEquals("95 00 00 00 00 00 00 00", hex(List.of(Insn.exit())));
        assertEquals("b7 00 00 00 ff ff ff ff", hex(List.of(Insn.mov(0, -1))));
    }

    @Test void decodeIsTheInverse() {
        var p = List.of(Insn.ldxw(2, 1, 8), Insn.jne(4, 136, 2), Insn.jset(2, 0xfff8, 1), Insn.mov(0, 1), Insn.exit());
        assertEquals(p, Insn.decode(Insn.encode(p)));
        assertArrayEquals(Insn.encode(p), Insn.encode(Insn.decode(Insn.encode(p))));
    }

    @Test void labelsBecomeForwardOffsetsFromTheNextInstruction() {
        var a = Assembler.extended();
        var no = a.label();
        var out = a.label();
        var p = a
                .emit(Insn.ldxw(2, 1, 0))           // 0
                .jump(Insn.jne(2, 7, 0), no)        // 1: to 4, off 2
                .emit(Insn.mov(0, 1))               // 2
                .jump(Insn.ja(0), out)              // 3: to 5, off 1
                .bind(no).emit(Insn.mov(0, 0))      // 4
                .bind(out).emit(Insn.exit())        // 5
                .assemble();
        assertEquals(2, p.get(1).off());
        assertEquals(1, p.get(3).off());
        assertEquals(1, Interpreter.run(p, new byte[] {7, 0, 0, 0}));
        assertEquals(0, Interpreter.run(p, new byte[] {8, 0, 0, 0}));
    }

    @Test void mistakesAreRefused() {
        var a = Assembler.extended();
        assertThrows(IllegalStateException.class, () -> a.jump(Insn.ja(0), a.label()).emit(Insn.exit()).assemble(), "never bound");
        var twice = a.label();
        assertThrows(IllegalStateException.class, () -> a.bind(twice).bind(twice));
        var b = Assembler.extended();
        var top = b.label();
        assertThrows(IllegalStateException.class, () -> b.bind(top).emit(Insn.mov(0, 0)).jump(Insn.ja(0), top).emit(Insn.exit()).assemble());
        var c = Assembler.extended();
        var end = c.label();
        assertThrows(IllegalStateException.class, () -> c.jump(Insn.ja(0), end).bind(end).assemble(), "past the last instruction");
        assertThrows(IllegalArgumentException.class, () -> Assembler.extended().jump(Insn.exit(), c.label()));
        assertThrows(IllegalArgumentException.class, () -> Assembler.extended().jump(Insn.ja(0), c.label()), "another program's label");
        assertThrows(IllegalArgumentException.class, () -> Insn.ldxw(11, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Insn.jne(1, 0, 40_000));
    }

    @Test void anEbpfJumpBeyondSixteenBitsIsAnError() {
        var a = Assembler.extended();
        var far = a.label();
        a.jump(Insn.ja(0), far);
        for (int i = 0; i <= Short.MAX_VALUE; i++) a.emit(Insn.mov(0, i));
        a.bind(far).emit(Insn.exit());
        var e = assertThrows(IllegalStateException.class, a::assemble);
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        var fits = Assembler.extended();
        var last = fits.label();
        fits.jump(Insn.ja(0), last);
        for (int i = 0; i < Short.MAX_VALUE; i++) fits.emit(Insn.mov(0, i));
        assertEquals(Short.MAX_VALUE, fits.bind(last).emit(Insn.exit()).assemble().getFirst().off());
    }

    @Test void oneTargetForEbpfJumpsTwoForClassicConditionals() {
        var e = Assembler.extended();
        assertThrows(IllegalArgumentException.class, () -> e.jump(Insn.jne(0, 1, 0), e.label(), e.label()), "eBPF falls through");
        var c = Assembler.classic();
        assertThrows(IllegalArgumentException.class, () -> c.jump(ClassicInsn.jeq(1), c.label()));
        assertThrows(IllegalArgumentException.class, () -> c.jump(ClassicInsn.ret(0), c.label(), c.label()));
    }

    @Test void shortClassicJumpsResolveToOffsets() {
        var a = Assembler.classic();
        var yes = a.label();
        var no = a.label();
        a.emit(ClassicInsn.load(0)).jump(ClassicInsn.jeq(39), yes, no);
        a.bind(no).emit(ClassicInsn.ret(1));
        a.bind(yes).emit(ClassicInsn.ret(2));
        List<ClassicInsn> p = a.assemble();
        assertEquals(4, p.size());
        assertEquals(new ClassicInsn(ClassicInsn.JMP_JEQ_K, 1, 0, 39), p.get(1));
        assertEquals(2, run(p, 39));
        assertEquals(1, run(p, 40));
    }

    @Test void farClassicTargetsBecomeJaTrampolines() {
        var a = Assembler.classic();
        var far = a.label();
        var near = a.label();
        a.emit(ClassicInsn.load(0)).jump(ClassicInsn.jeq(7), far, near);
        a.bind(near);
        for (int i = 0; i < 300; i++) a.emit(ClassicInsn.ret(1000 + i));   // 300 instructions between the jump and its target
        a.bind(far).emit(ClassicInsn.ret(42));
        List<ClassicInsn> p = a.assemble();
        assertEquals(1 + 3 + 300 + 1, p.size(), "the jump became jeq + 2 ja");
        assertEquals(ClassicInsn.JMP_JA, p.get(2).code());
        assertEquals(42, run(p, 7));
        assertEquals(1000, run(p, 8));
    }

    @Test void expansionThatPushesAnotherJumpOutOfRangeIsResolvedToo() {
        // The second jump's target is 255 instructions away until the first one grows by 2.
        var a = Assembler.classic();
        var t1 = a.label();
        var f1 = a.label();
        var t2 = a.label();
        var f2 = a.label();
        a.emit(ClassicInsn.load(0)).jump(ClassicInsn.jeq(1), t1, f1);
        a.bind(f1).jump(ClassicInsn.jeq(2), t2, f2);
        a.bind(f2);
        for (int i = 0; i < 254; i++) a.emit(ClassicInsn.ret(i));
        a.bind(t2).emit(ClassicInsn.ret(200_000));
        for (int i = 0; i < 10; i++) a.emit(ClassicInsn.ret(i));
        a.bind(t1).emit(ClassicInsn.ret(100_000));
        List<ClassicInsn> p = a.assemble();
        assertEquals(100_000, run(p, 1));
        assertEquals(200_000, run(p, 2));
        assertEquals(0, run(p, 3));
        for (ClassicInsn i : p) assertTrue(i.jt() <= 255 && i.jf() <= 255);
    }

    @Test void backwardAndUnboundClassicLabelsAreBugs() {
        var a = Assembler.classic();
        var back = a.label();
        a.bind(back).emit(ClassicInsn.load(0)).jump(ClassicInsn.ja(0), back);
        assertThrows(IllegalStateException.class, a::assemble);
        var b = Assembler.classic();
        b.jump(ClassicInsn.ja(0), b.label());
        assertThrows(IllegalStateException.class, b::assemble);
    }
}
