package org.vserver.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssemblerTest {
    static String hex(List<Insn> p) {
        return HexFormat.ofDelimiter(" ").formatHex(Insn.encode(p));
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
        var p = new Assembler()
                .emit(Insn.ldxw(2, 1, 0))           // 0
                .jump(Insn.jne(2, 7, 0), "no")      // 1: to 4, off 2
                .emit(Insn.mov(0, 1))               // 2
                .jump(Insn.ja(0), "out")            // 3: to 5, off 1
                .label("no").emit(Insn.mov(0, 0))   // 4
                .label("out").emit(Insn.exit())     // 5
                .assemble();
        assertEquals(2, p.get(1).off());
        assertEquals(1, p.get(3).off());
        assertEquals(1, Interpreter.run(p, new byte[] {7, 0, 0, 0}));
        assertEquals(0, Interpreter.run(p, new byte[] {8, 0, 0, 0}));
    }

    @Test void mistakesAreRefused() {
        assertThrows(IllegalStateException.class, () -> new Assembler().jump(Insn.ja(0), "nowhere").emit(Insn.exit()).assemble());
        assertThrows(IllegalStateException.class, () -> new Assembler().label("a").label("a"));
        assertThrows(IllegalStateException.class,
                () -> new Assembler().label("top").emit(Insn.mov(0, 0)).jump(Insn.ja(0), "top").emit(Insn.exit()).assemble());
        assertThrows(IllegalStateException.class, () -> new Assembler().jump(Insn.ja(0), "end").label("end").assemble());
        assertThrows(IllegalArgumentException.class, () -> new Assembler().jump(Insn.exit(), "x"));
        assertThrows(IllegalArgumentException.class, () -> Insn.ldxw(11, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Insn.jne(1, 0, 40_000));
    }
}
