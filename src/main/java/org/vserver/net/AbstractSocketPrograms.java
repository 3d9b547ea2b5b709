package org.vserver.net;

import static org.vserver.bpf.Insn.call;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.ja;
import static org.vserver.bpf.Insn.jeq;
import static org.vserver.bpf.Insn.jeqReg;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.ldImm64;
import static org.vserver.bpf.Insn.ldxb;
import static org.vserver.bpf.Insn.ldxdw;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.movReg;
import static org.vserver.bpf.Insn.stxdw;

import java.util.ArrayList;
import java.util.List;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Btf;
import org.vserver.bpf.Insn;

/**
 * Abstract unix socket names per context, as BPF LSM programs run per cgroup (BPF_LSM_CGROUP,
 * Linux 6.0+). A shared-mode guest shares the host's network namespace, and with it the one table
 * of abstract names ({@code @name}: no file, no permissions): without these programs a guest
 * reaches every abstract socket of the host and of its neighbours (the class of CVE-2020-15257,
 * where containerd-shim's abstract socket gave host-network containers root), and a name it binds
 * first is what host clients reach.
 *
 * <p>Two hooks see every way to reach a named socket: {@code unix_stream_connect(sock, other,
 * newsk)} (stream and seqpacket connect) and {@code unix_may_send(sock, other)} (datagram connect
 * and every datagram send, to an address or a connected peer). The kernel runs a cgroup's program
 * for the cgroup of the caller's socket (the cgroup its creator was in) and of its ancestors.
 * {@code other} is the socket the name led to; a program refuses with ECONNREFUSED, what a name
 * that does not exist gives, so a refused name looks absent. Path names and unnamed peers
 * (socketpair) pass: files have permissions, and an unnamed socket is reached only through an fd
 * someone handed over.
 * <ul>
 *   <li>{@link #scoped} (on the guest's cgroup, and a chbind command's): the peer's name must be
 *       bound by a socket of the same cgroup subtree. Every process of a guest is in its cgroup,
 *       whether it came from the init or joined through {@code vserver NAME exec/enter}, so a
 *       guest reaches its own names however its processes started.</li>
 *   <li>{@link #guard} (on the cgroup2 root, for the host's own processes): a peer inside a
 *       context (a child of the vserver parent cgroup) is reachable only from the same context,
 *       so a name a guest bound first (squatting a host daemon's name) never answers a host
 *       client.</li>
 * </ul>
 * The owner of a peer is its socket's cgroup ({@code other->sk_cgrp_data.cgroup}), compared by
 * walking up its ancestors ({@code cgroup->self.parent->cgroup}) at most {@link #DEPTH} levels
 * and comparing {@code cgroup->kn->id} (what the cgroup directory's inode number is). Member
 * offsets come from the running kernel's BTF ({@link Layout}); the loads are BTF-typed, so the
 * verifier checks each against the kernel's own types and a NULL pointer reads as 0.
 */
public final class AbstractSocketPrograms {
    /** How many cgroup levels a peer's walk goes up; a peer deeper than that below its context is refused. */
    static final int DEPTH = 16;
    static final int ECONNREFUSED = 111;

    /** The two hooks; each program's name as the kernel lists it (at most 15 characters). */
    public enum Hook {
        CONNECT("unix_stream_connect", "vserver_uconn", "vserver_uguardc"),
        SEND("unix_may_send", "vserver_usend", "vserver_uguards");

        final String lsmHook;
        public final String scopedName, guardName;

        Hook(String lsmHook, String scopedName, String guardName) {
            this.lsmHook = lsmHook;
            this.scopedName = scopedName;
            this.guardName = guardName;
        }

        /** The kernel function the program attaches to ({@code attach_btf_id}). */
        public String function() { return "bpf_lsm_" + lsmHook; }
    }

    /**
     * Where the programs look, from the kernel's BTF: the hooks' BTF ids and the byte offsets of
     * {@code socket.sk}, {@code sock.sk_cgrp_data.cgroup}, {@code cgroup.kn}, {@code cgroup.self.parent},
     * {@code cgroup_subsys_state.cgroup}, {@code kernfs_node.id}, {@code unix_sock.addr} and of the
     * first byte of the name in a {@code unix_address} ({@code name[0].sun_path[0]}).
     */
    public record Layout(int connectId, int sendId, int socketSk, int sockCgroup, int cgroupKn, int cgroupParent, int cssCgroup,
            int knId, int unixAddr, int addrPath) {
        /** @throws IllegalArgumentException naming what this kernel's BTF lacks */
        public static Layout of(Btf btf) {
            return new Layout(func(btf, Hook.CONNECT), func(btf, Hook.SEND), btf.offset("socket", "sk"),
                    btf.offset("sock", "sk_cgrp_data.cgroup"), btf.offset("cgroup", "kn"), btf.offset("cgroup", "self.parent"),
                    btf.offset("cgroup_subsys_state", "cgroup"), btf.offset("kernfs_node", "id"), btf.offset("unix_sock", "addr"),
                    btf.offset("unix_address", "name") + btf.offset("sockaddr_un", "sun_path"));
        }

        private static int func(Btf btf, Hook h) {
            return btf.func(h.function()).orElseThrow(() -> new IllegalArgumentException(
                    "the kernel's BTF has no " + h.function() + " (a kernel without CONFIG_BPF_LSM)"));
        }

        int btfId(Hook h) { return h == Hook.CONNECT ? connectId : sendId; }
    }

    /** Registers: R6 the peer's struct sock, R7 the cgroup being walked, R8 scratch, R9 the id looked for. */
    private static final int PEER = 6, CG = 7, TMP = 8, WANT = 9, FP = 10;
    /** The stack slot of the caller's cgroup in {@link #guard}. */
    private static final int CALLER = -8;
    /** The hooks' arguments in the context (an array of u64): the caller's socket, the peer. */
    private static final int ARG_SELF = 0, ARG_OTHER = 8;

    private AbstractSocketPrograms() {}

    /** For a context's own cgroup {@code contextId}: an abstract peer must be bound in that cgroup or below. */
    public static List<Insn> scoped(Layout l, Hook h, long contextId) {
        var a = new Assembler();
        abstractPeer(a, l, h);
        a.emit(ldxdw(CG, PEER, l.sockCgroup)).emitAll(ldImm64(WANT, contextId));
        walkTo(a, l, "allow", "refuse");
        return finish(a);
    }

    /**
     * For the cgroup2 root: an abstract peer whose socket is in a context (a child of
     * {@code parentId}, or below one) may be reached only by a socket of that same context.
     */
    public static List<Insn> guard(Layout l, Hook h, long parentId) {
        var a = new Assembler();
        // The caller's cgroup, kept on the stack: the helper call below clobbers R1-R5.
        a.emit(ldxdw(TMP, 1, ARG_SELF));
        if (h == Hook.SEND) a.emit(ldxdw(TMP, TMP, l.socketSk));
        a.emit(ldxdw(TMP, TMP, l.sockCgroup)).emit(stxdw(FP, CALLER, TMP));
        abstractPeer(a, l, h);
        a.emit(ldxdw(CG, PEER, l.sockCgroup));
        // Up from the peer's cgroup until its parent is the vserver parent: then CG is the context.
        for (int i = 0; i < DEPTH; i++) {
            a.emit(ldxdw(TMP, CG, l.cgroupParent)).emit(ldxdw(TMP, TMP, l.cssCgroup));   // TMP = the parent cgroup
            a.emit(ldxdw(WANT, TMP, l.cgroupKn)).emit(ldxdw(WANT, WANT, l.knId));        // its id (0 above the root)
            a.emitAll(ldImm64(1, parentId)).jump(jeqReg(WANT, 1, 0), "context");
            a.jump(jeq(WANT, 0, 0), "allow");                                          // CG is the root: in no context
            a.emit(movReg(CG, TMP));
        }
        a.jump(ja(0), "refuse");                                                        // deeper than DEPTH: fail closed
        a.label("context").emit(ldxdw(WANT, CG, l.cgroupKn)).emit(ldxdw(WANT, WANT, l.knId));
        a.emit(ldxdw(CG, FP, CALLER));                                                  // the caller must be in it
        walkTo(a, l, "allow", "refuse");
        return finish(a);
    }

    /**
     * Loads the peer into PEER and goes to "allow" unless it is bound to an abstract name:
     * {@code u = bpf_skc_to_unix_sock(peer); u && u->addr && u->addr->name[0].sun_path[0] == 0}.
     */
    private static void abstractPeer(Assembler a, Layout l, Hook h) {
        a.emit(ldxdw(PEER, 1, ARG_OTHER));
        if (h == Hook.SEND) a.emit(ldxdw(PEER, PEER, l.socketSk));                     // struct socket * -> struct sock *
        a.emit(movReg(1, PEER)).emit(call(Bpf.FUNC_SKC_TO_UNIX_SOCK));
        a.jump(jeq(0, 0, 0), "allow");
        a.emit(ldxdw(TMP, 0, l.unixAddr)).jump(jeq(TMP, 0, 0), "allow");               // unnamed
        a.emit(ldxb(TMP, TMP, l.addrPath)).jump(jne(TMP, 0, 0), "allow");              // a path name
    }

    /** Walks up from CG at most DEPTH levels: {@code found} when a cgroup's id is WANT, {@code notFound} at the root or too deep. */
    private static void walkTo(Assembler a, Layout l, String found, String notFound) {
        for (int i = 0; i < DEPTH; i++) {
            a.emit(ldxdw(TMP, CG, l.cgroupKn)).emit(ldxdw(TMP, TMP, l.knId));
            a.jump(jeqReg(TMP, WANT, 0), found).jump(jeq(TMP, 0, 0), notFound);
            a.emit(ldxdw(CG, CG, l.cgroupParent)).emit(ldxdw(CG, CG, l.cssCgroup));
        }
        a.jump(ja(0), notFound);
    }

    /** The exits: allow is 1; refuse sets ECONNREFUSED and returns 0. */
    private static List<Insn> finish(Assembler a) {
        a.label("allow").emit(mov(0, 1)).emit(exit());
        a.label("refuse").emit(mov(1, -ECONNREFUSED)).emit(call(Bpf.FUNC_SET_RETVAL)).emit(mov(0, 0)).emit(exit());
        return a.assemble();
    }
}
