package org.vserver.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    @Test
    void shortJumpsResolveToOffsets() {
        var a = new Assembler();
        var yes = a.label();
        var no = a.label();
        a.load(0).jump(Insn.JMP_JEQ_K, 39, yes, no);
        a.bind(no).ret(1);
        a.bind(yes).ret(2);
        List<Insn> p = a.assemble();
        assertEquals(4, p.size());
        assertEquals(new Insn(Insn.JMP_JEQ_K, 1, 0, 39), p.get(1));
        var bpf = new BpfInterpreter(p);
        assertEquals(2, bpf.run(0, 39).action());
        assertEquals(1, bpf.run(0, 40).action());
    }

    @Test
    void farTargetsBecomeJaTrampolines() {
        var a = new Assembler();
        var far = a.label();
        var near = a.label();
        a.load(0).jump(Insn.JMP_JEQ_K, 7, far, near);
        a.bind(near);
        for (int i = 0; i < 300; i++) a.ret(1000 + i);   // 300 instructions between the jump and its target
        a.bind(far).ret(42);
        List<Insn> p = a.assemble();
        assertEquals(1 + 3 + 300 + 1, p.size(), "the jump became jeq + 2 ja");
        assertEquals(Insn.JMP_JA, p.get(2).code());
        var bpf = new BpfInterpreter(p);
        assertEquals(42, bpf.run(0, 7).action());
        assertEquals(1000, bpf.run(0, 8).action());
    }

    @Test
    void expansionThatPushesAnotherJumpOutOfRangeIsResolvedToo() {
        // The second jump's target is 255 instructions away until the first one grows by 2.
        var a = new Assembler();
        var t1 = a.label();
        var f1 = a.label();
        var t2 = a.label();
        var f2 = a.label();
        a.load(0).jump(Insn.JMP_JEQ_K, 1, t1, f1);
        a.bind(f1).jump(Insn.JMP_JEQ_K, 2, t2, f2);
        a.bind(f2);
        for (int i = 0; i < 254; i++) a.ret(i);
        a.bind(t2).ret(200_000);
        for (int i = 0; i < 10; i++) a.ret(i);
        a.bind(t1).ret(100_000);
        var bpf = new BpfInterpreter(a.assemble());
        assertEquals(100_000, bpf.run(0, 1).action());
        assertEquals(200_000, bpf.run(0, 2).action());
        assertEquals(0, bpf.run(0, 3).action());
        for (Insn i : a.assemble()) assertTrue(i.jt() <= 255 && i.jf() <= 255);
    }

    @Test
    void backwardAndUnboundLabelsAreBugs() {
        var a = new Assembler();
        var back = a.label();
        a.bind(back).load(0).ja(back);
        assertThrows(IllegalStateException.class, a::assemble);
        var b = new Assembler();
        b.ja(b.label());
        assertThrows(IllegalStateException.class, b::assemble);
    }
}
