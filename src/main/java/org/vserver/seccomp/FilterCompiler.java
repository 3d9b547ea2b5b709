package org.vserver.seccomp;

import static org.vserver.bpf.ClassicInsn.jeq;
import static org.vserver.bpf.ClassicInsn.jge;
import static org.vserver.bpf.ClassicInsn.jset;
import static org.vserver.bpf.ClassicInsn.load;
import static org.vserver.bpf.ClassicInsn.ret;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.ClassicInsn;
import org.vserver.bpf.ClassicProgram;

/**
 * Compiles a {@link Profile} to classic BPF (what seccomp takes), shaped for speed:
 * <ol>
 *   <li>the arch first: an arch the profile does not list kills the process;</li>
 *   <li>on the x86_64 audit arch, numbers with __X32_SYSCALL_BIT go to the x32 table, or are
 *       killed when x32 is not listed;</li>
 *   <li>then a binary search over ranges of numbers with the same decision, to a leaf that returns
 *       at once. Only the leaves of {@link ArgRule}s load an argument.</li>
 * </ol>
 * A call whose decision does not depend on arguments is thus decided from arch and number alone,
 * which the kernel's per-syscall action cache (5.11+) recognises: always-allowed calls then skip
 * the filter entirely. A filter that loads an argument (or anything but arch and number) on the
 * way to an allowed call would lose that for the call.
 */
public final class FilterCompiler {
    private FilterCompiler() {}

    /** Offsets in struct seccomp_data. */
    static final int NR = 0, ARCH = 4;

    /** The low 32 bits of argument {@code i} (little-endian x86). */
    static int argLow(int i) { return 16 + 8 * i; }

    /** A range of numbers [from, next range's from) with one decision. */
    record Range(long from, Decision decision) {}

    public static ClassicProgram compile(Profile profile) {
        var a = Assembler.classic();
        var x86 = a.label();
        var i386 = a.label();
        boolean wantsX86 = profile.arches().contains(Arch.X86_64) || profile.arches().contains(Arch.X32);
        a.emit(load(ARCH));
        var notX86 = a.label();
        if (wantsX86) {
            a.jump(jeq(Arch.X86_64.auditArch()), x86, notX86);
            a.bind(notX86);
        }
        if (profile.arches().contains(Arch.I386)) {
            var kill = a.label();
            a.jump(jeq(Arch.I386.auditArch()), i386, kill);
            a.bind(kill);
        }
        a.emit(ret(Action.KILL_PROCESS.value()));

        if (wantsX86) {
            a.bind(x86);
            a.emit(load(NR));
            var x32 = a.label();
            var native64 = a.label();
            a.jump(jge(Arch.X32_SYSCALL_BIT), x32, native64);
            a.bind(native64);
            if (profile.arches().contains(Arch.X86_64)) emit(a, ranges(profile, Arch.X86_64, 0));
            else a.emit(ret(Action.KILL_PROCESS.value()));
            a.bind(x32);
            if (profile.arches().contains(Arch.X32)) emit(a, ranges(profile, Arch.X32, Arch.X32_SYSCALL_BIT));
            else a.emit(ret(Action.KILL_PROCESS.value()));
        }
        if (profile.arches().contains(Arch.I386)) {
            a.bind(i386);
            a.emit(load(NR));
            emit(a, ranges(profile, Arch.I386, 0));
        }
        return new ClassicProgram(a.assemble());
    }

    /**
     * The arch's numbers from {@code floor} up as ranges: each known number gets its name's
     * decision, gaps and everything past the last known number get {@link Profile#unknown()};
     * neighbours with equal decisions merge.
     */
    static List<Range> ranges(Profile profile, Arch arch, long floor) {
        Map<Long, Decision> byNumber = new TreeMap<>();
        SyscallTable.of(arch).numbers().forEach((name, nr) -> byNumber.put((long) nr + arch.base(), profile.decision(name)));
        List<Range> out = new ArrayList<>();
        long next = floor;
        for (var e : byNumber.entrySet()) {
            if (e.getKey() > next) add(out, next, profile.unknown());
            add(out, e.getKey(), e.getValue());
            next = e.getKey() + 1;
        }
        add(out, next, profile.unknown());
        return out;
    }

    private static void add(List<Range> out, long from, Decision d) {
        if (!out.isEmpty() && out.getLast().decision().equals(d)) return;
        out.add(new Range(from, d));
    }

    /** A balanced binary search over {@code r} with A = the number; each leaf returns. */
    private static void emit(Assembler<ClassicInsn> a, List<Range> r) {
        emit(a, r, 0, r.size() - 1);
    }

    private static void emit(Assembler<ClassicInsn> a, List<Range> r, int lo, int hi) {
        if (lo == hi) {
            leaf(a, r.get(lo).decision());
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        var right = a.label();
        var left = a.label();
        a.jump(jge((int) r.get(mid).from()), right, left);
        a.bind(left);
        emit(a, r, lo, mid - 1);
        a.bind(right);
        emit(a, r, mid, hi);
    }

    private static void leaf(Assembler<ClassicInsn> a, Decision d) {
        switch (d) {
            case Action act -> a.emit(ret(act.value()));
            case ArgRule rule -> {
                int loaded = -1;
                for (ArgRule.Check c : rule.checks()) {
                    if (c.arg() != loaded) a.emit(load(argLow(c.arg())));
                    loaded = c.arg();
                    var hit = a.label();
                    var miss = a.label();
                    a.jump(c.test() == ArgRule.Test.EQ ? jeq(c.value()) : jset(c.value()), hit, miss);
                    a.bind(hit);
                    a.emit(ret(c.action().value()));
                    a.bind(miss);
                }
                a.emit(ret(rule.otherwise().value()));
            }
        }
    }
}
