package org.vserver.net;

import static org.vserver.bpf.Insn.add;
import static org.vserver.bpf.Insn.call;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.ja;
import static org.vserver.bpf.Insn.jeq;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.jset;
import static org.vserver.bpf.Insn.ldMapIdx;
import static org.vserver.bpf.Insn.ldxw;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.mov32;
import static org.vserver.bpf.Insn.movReg;
import static org.vserver.bpf.Insn.stw;
import static org.vserver.bpf.Insn.stxw;

import java.util.List;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Label;
import org.vserver.sys.Syscalls;

/**
 * The host's one sk_lookup program (BPF_PROG_TYPE_SK_LOOKUP, linked to the host's network
 * namespace with BPF_LINK_CREATE and BPF_SK_LOOKUP): it runs when a TCP SYN (or a UDP datagram,
 * passed at once) finds no established socket, before the kernel looks for a listener, and may
 * hand the connection to any listener of the namespace with {@code bpf_sk_assign}. The accepted
 * socket then has the address the client asked for. No per-packet cost: a SYN, not every packet.
 *
 * <p>This is how a shared-stack guest's wildcard listener, whose bind its hooks rewrote to one
 * address, answers on every address of the guest and nowhere else:
 * <ol>
 *   <li>the destination (IPv4 mapped) in {@link SteeringMaps#ADDRS}: which guest, or none;</li>
 *   <li>a guest's: its listener bound to exactly that address and port, else its wildcard
 *       listener of the connection's family, and for IPv4 then its IPv6 one (a dual-stack socket
 *       takes IPv4; a V6ONLY one refuses the assign with EAFNOSUPPORT, which is harmless). A
 *       dual-stack wildcard is bound to {@code ::ffff:v4[0]} (so that it stays dual-stack) and
 *       still takes IPv6: the kernel checks only that an IPv4 connection does not go to a V6ONLY
 *       socket, not the socket's address;</li>
 *   <li>none of these on a guest's loopback address: SK_DROP, a RST, so an unclaimed port there
 *       is refused at once rather than reaching a host listener on 0.0.0.0 or [::];</li>
 *   <li>otherwise (any other address, or a guest's real one unclaimed): a port in
 *       {@link SteeringMaps#ROGUE}, a guest's listener autobound to the real wildcard, is
 *       dropped; anything else goes on to the kernel's own lookup (SK_PASS).</li>
 * </ol>
 * Every socket the map lookups hand out is referenced and released on every path: the verifier
 * refuses the program otherwise.
 */
public final class SkLookupProgram {
    /** bpf_prog_info.name. */
    public static final String NAME = "vserver_steer";

    // struct bpf_sk_lookup
    private static final int FAMILY = 8, PROTOCOL = 12, LOCAL_IP4 = 40, LOCAL_IP6 = 44, LOCAL_PORT = 60;
    private static final int IPPROTO_TCP = 6;

    /** R6 the context, R7 a socket the program holds, R8 a helper's result, R9 the ADDRS flags. */
    private static final int CTX = 6, SK = 7, RESULT = 8, FLAGS = 9, FP = 10;
    /** On the stack: the destination (ADDRS key, 16 bytes), the SOCKS key (24), the ROGUE key (4). */
    private static final int DST = -16, KEY = -40, ROGUE_KEY = -48;

    private static final int MAPPED = SockAddrPrograms.word(new byte[] {0, 0, -1, -1}, 0);

    private SkLookupProgram() {}

    public static List<Insn> program() {
        var a = Assembler.extended();
        Label pass = a.label(), drop = a.label(), v4 = a.label(), dst = a.label(), rogue = a.label();
        a.emit(movReg(CTX, 1));
        a.emit(ldxw(2, CTX, PROTOCOL)).jump(jne(2, IPPROTO_TCP, 0), pass);
        a.emit(ldxw(2, CTX, FAMILY)).jump(jeq(2, Syscalls.AF_INET, 0), v4).jump(jne(2, Syscalls.AF_INET6, 0), pass);
        for (int i = 0; i < 4; i++) a.emit(ldxw(2, CTX, LOCAL_IP6 + 4 * i)).emit(stxw(FP, DST + 4 * i, 2));
        a.jump(ja(0), dst);
        a.bind(v4).emit(stw(FP, DST, 0)).emit(stw(FP, DST + 4, 0)).emit(mov32(2, MAPPED)).emit(stxw(FP, DST + 8, 2))
                .emit(ldxw(2, CTX, LOCAL_IP4)).emit(stxw(FP, DST + 12, 2));
        a.bind(dst);
        a.emitAll(ldMapIdx(1, SteeringMaps.ADDRS)).emit(movReg(2, FP)).emit(add(2, DST)).emit(call(Bpf.FUNC_MAP_LOOKUP_ELEM));
        a.jump(jeq(0, 0, 0), rogue);
        // the SOCKS key {xid, address, port | family << 16 | wild << 24}; FLAGS kept for the loopback rule
        a.emit(ldxw(FLAGS, 0, 4)).emit(ldxw(2, 0, 0)).emit(stxw(FP, KEY, 2));
        for (int i = 0; i < 4; i++) a.emit(ldxw(2, FP, DST + 4 * i)).emit(stxw(FP, KEY + 4 + 4 * i, 2));
        Label exact6 = a.label(), wild = a.label(), wild6 = a.label(), refused = a.label();
        // exact: the connection's family; for IPv4 then a dual-stack socket bound to the mapped address
        tryKey(a, Syscalls.AF_INET, false, exact6, pass);
        a.bind(exact6);
        tryKey(a, Syscalls.AF_INET6, false, wild, pass);
        a.bind(wild);
        for (int i = 0; i < 4; i++) a.emit(stw(FP, KEY + 4 + 4 * i, 0));
        tryKey(a, Syscalls.AF_INET, true, wild6, pass);
        a.bind(wild6);
        tryKey(a, Syscalls.AF_INET6, true, refused, pass);
        a.bind(refused).jump(jset(FLAGS, SteeringMaps.LOOPBACK, 0), drop);
        // a guest's real address with nothing of the guest's listening: as any other address
        a.bind(rogue);
        Label rogue6 = a.label();
        rogueKey(a, -1);
        findRogue(a, rogue6, drop);
        a.bind(rogue6);
        a.emit(ldxw(2, CTX, FAMILY)).jump(jne(2, Syscalls.AF_INET, 0), pass);    // IPv6 tried its own family already
        rogueKey(a, Syscalls.AF_INET6);
        findRogue(a, pass, drop);
        a.bind(pass).emit(mov(0, Bpf.SK_PASS)).emit(exit());
        a.bind(drop).emit(mov(0, Bpf.SK_DROP)).emit(exit());
        return a.assemble();
    }

    /**
     * SOCKS at the key on the stack with {@code family} and {@code wild}: a listener there gets the
     * connection ({@code assigned}), else on to {@code next}. AF_INET is tried for an IPv4
     * connection only; AF_INET6 for both (an IPv4 one may go to a dual-stack socket).
     */
    private static void tryKey(Assembler<Insn> a, int family, boolean wild, Label next, Label assigned) {
        a.emit(ldxw(2, CTX, FAMILY));
        if (family == Syscalls.AF_INET) a.jump(jne(2, Syscalls.AF_INET, 0), next);
        a.emit(ldxw(3, CTX, LOCAL_PORT)).emit(mov32(4, family << 16 | (wild ? 1 << 24 : 0))).emit(Insn.orReg(3, 4))
                .emit(stxw(FP, KEY + 20, 3));
        a.emitAll(ldMapIdx(1, SteeringMaps.SOCKS)).emit(movReg(2, FP)).emit(add(2, KEY)).emit(call(Bpf.FUNC_MAP_LOOKUP_ELEM));
        a.jump(jeq(0, 0, 0), next).emit(movReg(SK, 0));
        a.emit(movReg(1, CTX)).emit(movReg(2, SK)).emit(mov(3, 0)).emit(call(Bpf.FUNC_SK_ASSIGN)).emit(movReg(RESULT, 0));
        a.emit(movReg(1, SK)).emit(call(Bpf.FUNC_SK_RELEASE));
        a.jump(jeq(RESULT, 0, 0), assigned);
    }

    /** The ROGUE key {port, family} on the stack: the connection's family if {@code family} is -1. */
    private static void rogueKey(Assembler<Insn> a, int family) {
        a.emit(ldxw(2, CTX, LOCAL_PORT));
        if (family < 0) a.emit(ldxw(3, CTX, FAMILY)).emit(Insn.lsh(3, 16));
        else a.emit(mov32(3, family << 16));
        a.emit(Insn.orReg(2, 3)).emit(stxw(FP, ROGUE_KEY, 2));
    }

    /** A port in ROGUE: release the socket the lookup gave and go to {@code found}; else to {@code next}. */
    private static void findRogue(Assembler<Insn> a, Label next, Label found) {
        a.emitAll(ldMapIdx(1, SteeringMaps.ROGUE)).emit(movReg(2, FP)).emit(add(2, ROGUE_KEY)).emit(call(Bpf.FUNC_MAP_LOOKUP_ELEM));
        a.jump(jeq(0, 0, 0), next).emit(movReg(1, 0)).emit(call(Bpf.FUNC_SK_RELEASE)).jump(ja(0), found);
    }
}
