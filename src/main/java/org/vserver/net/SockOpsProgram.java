package org.vserver.net;

import static org.vserver.bpf.Insn.add;
import static org.vserver.bpf.Insn.and;
import static org.vserver.bpf.Insn.call;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.ja;
import static org.vserver.bpf.Insn.jeq;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.ldMapIdx;
import static org.vserver.bpf.Insn.ldxdw;
import static org.vserver.bpf.Insn.ldxw;
import static org.vserver.bpf.Insn.lsh;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.mov32;
import static org.vserver.bpf.Insn.movReg;
import static org.vserver.bpf.Insn.orReg;
import static org.vserver.bpf.Insn.stw;
import static org.vserver.bpf.Insn.stxw;

import java.util.List;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Label;
import org.vserver.sys.Syscalls;

/**
 * A steered guest's sock_ops program (BPF_PROG_TYPE_SOCK_OPS on its cgroup, BPF_CGROUP_SOCK_OPS):
 * at listen() (BPF_SOCK_OPS_TCP_LISTEN_CB, which arrives without any cb_flags) it puts the
 * listener into {@link SteeringMaps#SOCKS}, where the host's {@link SkLookupProgram} finds it;
 * the kernel takes the entry out when the socket closes, so nothing has to clean up after a guest.
 *
 * <p>The key is {@code {xid, address, port, family, wild}}: a socket its bind hook marked as bound
 * to the wildcard ({@link SteeringMaps#STORAGE}) goes in as a wildcard entry (address zero), any
 * other under its address, so that an exact listener wins over a wildcard one as in the kernel's
 * own lookup. A listener with no address at all was autobound by listen() without bind(), which
 * runs no bind hook: it is a wildcard of the guest's too, and its port also goes into
 * {@link SteeringMaps#ROGUE}, so that the lookup keeps the host's and other guests' addresses
 * from reaching it. Returns 1 always: sock_ops cannot refuse a listen().
 */
final class SockOpsProgram {
    // struct bpf_sock_ops
    private static final int OP = 0, FAMILY = 20, LOCAL_IP4 = 28, LOCAL_IP6 = 48, LOCAL_PORT = 68, SK = 184;

    /** R6 the context, R7 the family, R8 "wild", R9 the OR of the address words (0: autobound). */
    private static final int CTX = 6, FAMILY_REG = 7, WILD = 8, ANY = 9, FP = 10;

    /** The SOCKS key {xid @0, addr @4, port|family|wild @20} and the ROGUE key, on the stack. */
    private static final int KEY = -24, ROGUE_KEY = -32;

    private static final int MAPPED = SockAddrPrograms.word(new byte[] {0, 0, -1, -1}, 0);

    private SockOpsProgram() {}

    static List<Insn> of(int xid) {
        var a = Assembler.extended();
        Label out = a.label(), v4 = a.label(), keyed = a.label(), marked = a.label(), exact = a.label();
        a.emit(movReg(CTX, 1));
        a.emit(ldxw(2, CTX, OP)).jump(jne(2, Bpf.SOCK_OPS_TCP_LISTEN_CB, 0), out);
        a.emit(ldxw(FAMILY_REG, CTX, FAMILY));
        // the address, IPv4 mapped; ANY collects its bits
        a.emit(stw(FP, KEY, xid));
        a.jump(jeq(FAMILY_REG, Syscalls.AF_INET, 0), v4).jump(jne(FAMILY_REG, Syscalls.AF_INET6, 0), out);
        a.emit(mov(ANY, 0));
        for (int i = 0; i < 4; i++) a.emit(ldxw(2, CTX, LOCAL_IP6 + 4 * i)).emit(stxw(FP, KEY + 4 + 4 * i, 2)).emit(orReg(ANY, 2));
        a.jump(ja(0), keyed);
        a.bind(v4).emit(ldxw(ANY, CTX, LOCAL_IP4)).emit(stw(FP, KEY + 4, 0)).emit(stw(FP, KEY + 8, 0))
                .emit(mov32(2, MAPPED)).emit(stxw(FP, KEY + 12, 2)).emit(stxw(FP, KEY + 16, ANY));
        a.bind(keyed);
        // wild: autobound, or marked by the bind hook
        a.emit(mov(WILD, 1)).jump(jeq(ANY, 0, 0), marked);
        a.emit(mov(WILD, 0));
        a.emit(ldxdw(2, CTX, SK)).jump(jeq(2, 0, 0), exact);      // PTR_TO_SOCKET_OR_NULL: null for a request socket
        a.emitAll(ldMapIdx(1, SteeringMaps.STORAGE)).emit(mov(3, 0)).emit(mov(4, 0)).emit(call(Bpf.FUNC_SK_STORAGE_GET));
        a.jump(jeq(0, 0, 0), exact);
        a.emit(ldxw(WILD, 0, 0)).emit(and(WILD, SteeringMaps.WILDCARD));
        a.jump(jeq(WILD, 0, 0), exact);
        a.bind(marked);
        for (int i = 0; i < 4; i++) a.emit(stw(FP, KEY + 4 + 4 * i, 0));
        a.bind(exact);
        // port | family << 16 | wild << 24
        a.emit(ldxw(2, CTX, LOCAL_PORT)).emit(movReg(3, FAMILY_REG)).emit(lsh(3, 16)).emit(orReg(2, 3))
                .emit(movReg(3, WILD)).emit(lsh(3, 24)).emit(orReg(2, 3)).emit(stxw(FP, KEY + 20, 2));
        update(a, SteeringMaps.SOCKS, KEY);
        a.jump(jne(ANY, 0, 0), out);
        a.emit(ldxw(2, CTX, LOCAL_PORT)).emit(movReg(3, FAMILY_REG)).emit(lsh(3, 16)).emit(orReg(2, 3)).emit(stxw(FP, ROGUE_KEY, 2));
        update(a, SteeringMaps.ROGUE, ROGUE_KEY);
        a.bind(out).emit(mov(0, 1)).emit(exit());
        return a.assemble();
    }

    /** bpf_sock_hash_update(ctx, map, fp + key, BPF_ANY); a failure (a full map) leaves the listener unsteered. */
    private static void update(Assembler<Insn> a, int map, int key) {
        a.emit(movReg(1, CTX)).emitAll(ldMapIdx(2, map)).emit(movReg(3, FP)).emit(add(3, key)).emit(mov(4, Bpf.ANY))
                .emit(call(Bpf.FUNC_SOCK_HASH_UPDATE));
    }
}
