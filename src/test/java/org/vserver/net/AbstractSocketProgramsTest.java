package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.net.AbstractSocketPrograms.Hook;
import org.vserver.net.AbstractSocketPrograms.Layout;

/**
 * The unix socket programs run on a model of the kernel's objects (the development host's kernel
 * refuses BPF LSM programs, so this is where their logic is checked): sockets, cgroups with their
 * {@code kn->id} and {@code self.parent}, and unix addresses, at made-up offsets; memory nobody
 * wrote reads as 0, as a BTF-typed load through NULL does in the kernel.
 */
class AbstractSocketProgramsTest {
    /** Offsets unlike any kernel's, so a program that hard-codes one fails here. */
    static final Layout L = new Layout(101, 102, 24, 600, 264, 8, 0, 96, 768, 10);

    /** A little-endian word and byte memory, and the objects placed in it. */
    static final class Kernel {
        final Map<Long, Long> words = new HashMap<>();
        final Map<Long, Byte> bytes = new HashMap<>();
        final java.util.Set<Long> unixSocks = new java.util.HashSet<>();
        long next = 0x10000;
        long retval;

        long alloc() { return next += 0x1000; }

        /** A cgroup with id {@code id} under {@code parent} (0: the root). */
        long cgroup(long id, long parent) {
            long c = alloc(), kn = alloc();
            words.put(c + L.cssCgroup(), c);                       // self.cgroup
            if (parent != 0) words.put(c + L.cgroupParent(), parent);   // self.parent: the parent's self, at its offset 0
            words.put(c + L.cgroupKn(), kn);
            words.put(kn + L.knId(), id);
            return c;
        }

        /** A unix socket of cgroup {@code cg}; name: null (unnamed), "@x" (abstract) or "/x" (a path). */
        long sock(long cg, String name) {
            long s = alloc();
            unixSocks.add(s);
            words.put(s + L.sockCgroup(), cg);
            if (name != null) {
                long a = alloc();
                words.put(s + L.unixAddr(), a);
                bytes.put(a + L.addrPath(), name.startsWith("@") ? (byte) 0 : (byte) '/');
            }
            return s;
        }

        /** The struct socket of sock {@code s} (the SEND hook's arguments). */
        long socket(long s) {
            long q = alloc();
            words.put(q + L.socketSk(), s);
            return q;
        }

        long word(long addr) {
            if (addr % 8 != 0 && addr > 0x1000) throw new AssertionError("unaligned 8-byte load at " + addr);
            return words.getOrDefault(addr, 0L);
        }

        long run(List<Insn> program, long self, long other) {
            long ctx = alloc();
            words.put(ctx, self);
            words.put(ctx + 8, other);
            long[] r = new long[11];
            r[1] = ctx;
            r[10] = 0x7fff0000L;
            retval = 0;
            for (int pc = 0, steps = 0; steps < 10_000; steps++) {
                Insn i = program.get(pc);
                int next = pc + 1;
                switch (i.code()) {
                    case Insn.LDX | Insn.DW | Insn.MEM -> r[i.dst()] = word(r[i.src()] + i.off());
                    case Insn.LDX | Insn.B | Insn.MEM -> r[i.dst()] = bytes.getOrDefault(r[i.src()] + i.off(), (byte) 0) & 0xff;
                    case Insn.STX | Insn.DW | Insn.MEM -> words.put(r[i.dst()] + i.off(), r[i.src()]);
                    case Insn.LD | Insn.DW | Insn.IMM -> {
                        r[i.dst()] = Integer.toUnsignedLong(i.imm()) | (long) program.get(pc + 1).imm() << 32;
                        next = pc + 2;
                    }
                    case Insn.ALU64 | Insn.MOV | Insn.K -> r[i.dst()] = i.imm();
                    case Insn.ALU64 | Insn.MOV | Insn.X -> r[i.dst()] = r[i.src()];
                    case Insn.JMP | Insn.JA -> next += i.off();
                    case Insn.JMP | Insn.JEQ | Insn.K -> { if (r[i.dst()] == i.imm()) next += i.off(); }
                    case Insn.JMP | Insn.JNE | Insn.K -> { if (r[i.dst()] != i.imm()) next += i.off(); }
                    case Insn.JMP | Insn.JEQ | Insn.X -> { if (r[i.dst()] == r[i.src()]) next += i.off(); }
                    case Insn.JMP | Insn.CALL -> {
                        switch (i.imm()) {
                            case Bpf.FUNC_SKC_TO_UNIX_SOCK -> r[0] = unixSocks.contains(r[1]) ? r[1] : 0;
                            case Bpf.FUNC_SET_RETVAL -> { retval = r[1]; r[0] = 0; }
                            default -> throw new AssertionError("helper " + i.imm());
                        }
                        for (int k = 1; k <= 5; k++) r[k] = 0xdeadL;          // clobbered by the call
                    }
                    case Insn.JMP | Insn.EXIT -> { return r[0]; }
                    default -> throw new AssertionError("instruction the model does not know: " + i + " at " + pc);
                }
                if (next <= pc) throw new AssertionError("backward jump at " + pc);
                pc = next;
            }
            throw new AssertionError("no exit");
        }
    }

    final Kernel k = new Kernel();
    final long root = k.cgroup(1, 0), system = k.cgroup(2, root), parent = k.cgroup(50, root);
    final long guestA = k.cgroup(51, parent), guestB = k.cgroup(52, parent), underA = k.cgroup(53, guestA);

    long scoped(Hook h, long context, long selfSock, long peerSock) {
        var p = AbstractSocketPrograms.scoped(L, h, context);
        return h == Hook.CONNECT ? k.run(p, selfSock, peerSock) : k.run(p, k.socket(selfSock), k.socket(peerSock));
    }

    long guard(Hook h, long selfSock, long peerSock) {
        var p = AbstractSocketPrograms.guard(L, h, 50);
        return h == Hook.CONNECT ? k.run(p, selfSock, peerSock) : k.run(p, k.socket(selfSock), k.socket(peerSock));
    }

    @Test
    void aContextReachesItsOwnAbstractNamesOnly() {
        for (Hook h : Hook.values()) {
            long me = k.sock(guestA, null);
            assertEquals(1, scoped(h, 51, me, k.sock(guestA, "@own")), h + ": its own name");
            assertEquals(1, scoped(h, 51, me, k.sock(underA, "@own")), h + ": a name bound below its cgroup");
            assertEquals(0, scoped(h, 51, me, k.sock(system, "@host")), h + ": a host daemon's name");
            assertEquals(-AbstractSocketPrograms.ECONNREFUSED, k.retval, "refused as a name that does not exist");
            assertEquals(0, scoped(h, 51, me, k.sock(root, "@host")), h + ": a name of the root cgroup");
            assertEquals(0, scoped(h, 51, me, k.sock(guestB, "@b")), h + ": a neighbour's name");
            assertEquals(1, scoped(h, 51, me, k.sock(system, "/run/x.sock")), h + ": a path name: file permissions decide");
            assertEquals(1, scoped(h, 51, me, k.sock(system, null)), h + ": an unnamed peer (socketpair, a passed fd)");
        }
    }

    @Test
    void aPeerTooDeepIsRefused() {
        long c = guestA;
        for (int i = 0; i < AbstractSocketPrograms.DEPTH; i++) c = k.cgroup(1000 + i, c);
        assertEquals(0, scoped(Hook.CONNECT, 51, k.sock(guestA, null), k.sock(c, "@deep")), "fail closed past DEPTH levels");
    }

    @Test
    void theHostNeverReachesANameAContextBound() {
        for (Hook h : Hook.values()) {
            long host = k.sock(system, null), inA = k.sock(guestA, null), inUnderA = k.sock(underA, null);
            assertEquals(0, guard(h, host, k.sock(guestA, "@squatted")), h + ": a host client to a guest's name (squatting)");
            assertEquals(0, guard(h, host, k.sock(underA, "@squatted")), h + ": also one bound below the guest's cgroup");
            assertEquals(0, guard(h, k.sock(guestB, null), k.sock(guestA, "@a")), h + ": a neighbour to it");
            assertEquals(1, guard(h, inA, k.sock(guestA, "@a")), h + ": the guest itself");
            assertEquals(1, guard(h, inUnderA, k.sock(guestA, "@a")), h + ": the guest, from below its cgroup");
            assertEquals(1, guard(h, host, k.sock(system, "@host")), h + ": host to host: not the guard's business");
            assertEquals(1, guard(h, inA, k.sock(system, "@host")), h + ": the guest's own program refuses that one");
            assertEquals(1, guard(h, host, k.sock(guestA, "/path")), h + ": a path name");
        }
    }

    @Test
    void theProgramsReadTheLayoutTheyAreGiven() {
        var p = AbstractSocketPrograms.scoped(L, Hook.SEND, 51);
        assertTrue(p.stream().anyMatch(i -> i.off() == L.socketSk()), "socket.sk");
        assertTrue(p.stream().anyMatch(i -> i.off() == L.sockCgroup()), "sock.sk_cgrp_data.cgroup");
        assertTrue(p.stream().anyMatch(i -> i.off() == L.knId()), "kernfs_node.id");
        assertTrue(p.size() < 4096, "well under the verifier's limits: " + p.size());
        assertEquals(L.connectId(), L.btfId(Hook.CONNECT));
        assertEquals("bpf_lsm_unix_may_send", Hook.SEND.function());
    }
}
