package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import static org.vserver.bpf.Insn.add;
import static org.vserver.bpf.Insn.and;
import static org.vserver.bpf.Insn.call;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.ja;
import static org.vserver.bpf.Insn.jeq;
import static org.vserver.bpf.Insn.jeqReg;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.jneReg;
import static org.vserver.bpf.Insn.jset;
import static org.vserver.bpf.Insn.ldMapIdx;
import static org.vserver.bpf.Insn.ldxb;
import static org.vserver.bpf.Insn.ldxdw;
import static org.vserver.bpf.Insn.ldxw;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.mov32;
import static org.vserver.bpf.Insn.movReg;
import static org.vserver.bpf.Insn.or;
import static org.vserver.bpf.Insn.stdw;
import static org.vserver.bpf.Insn.sth;
import static org.vserver.bpf.Insn.stxw;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Label;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * {@link BindPolicy} as cgroup-bpf programs (BPF_PROG_TYPE_CGROUP_SOCK_ADDR for bind, connect and
 * UDP sendmsg of v4 and v6; BPF_PROG_TYPE_CGROUP_SOCK at socket creation), attached to a cgroup v2
 * directory with BPF_F_ALLOW_MULTI: they apply to every socket a process of that cgroup (or of a
 * descendant) creates, run inside the syscall, and nothing sits in the data path. The guest cannot
 * detach them: it holds neither CAP_BPF, CAP_SYS_ADMIN nor CAP_NET_ADMIN.
 *
 * <p>How the rules map onto the hooks (R1 points at {@code struct bpf_sock_addr}; addresses are in
 * network byte order, so a 32-bit load of {@code a.b.c.d} is the little-endian int {@code d.c.b.a},
 * and every constant here is built that way by {@link #word}):
 * <ul>
 *   <li>bind: the address is rewritten in place (0.0.0.0, 127.0.0.1, {@code ::}, {@code ::1}) or
 *       checked against the own addresses; a refusal is {@code bpf_set_retval(-EADDRNOTAVAIL)}
 *       and return 0 (a bare 0 would be EPERM); an allowed bind returns 3 instead of 1 with
 *       {@link BindPolicy#privilegedPorts} ({@link #ALLOW_WITHOUT_BIND_CAP});</li>
 *   <li>connect: 127.0.0.1 and 0.0.0.0 (which the kernel also sends to the loopback) become
 *       {@code lback}; any other destination in 127.0.0.0/8 that is neither an own address nor
 *       listed in {@link BindPolicy#lbackAllow} is refused with {@code bpf_set_retval(-EPERM)}
 *       (see {@link #EPERM}); then {@code bpf_bind(ctx, {family, port 0, source})} gives an unbound socket
 *       its source address without taking a port (the kernel binds with
 *       BIND_FORCE_ADDRESS_NO_PORT). A socket that is already bound makes it fail, which is fine if
 *       it has an address (the bind hook held that to an own one); an autobound UDP socket without
 *       one would get the route's source, a host address: refused;</li>
 *   <li>UDP sendmsg of an unconnected socket: the same destination rewrite and check; {@code msg_src_ip*}
 *       (the bound address or an IP_PKTINFO source, 0 if none) is set to the primary if 0, else
 *       must be an own address. A v4-mapped destination of an IPv6 socket is sent by the IPv4 path
 *       and meets sendmsg4; the IPv6 hook cannot map (the kernel refuses a rewrite to a mapped
 *       address with ENOTSUPP), so {@code ::1} and {@code ::} there get ENETUNREACH;</li>
 *   <li>socket creation: no SOCK_RAW inet socket. A guest lacks CAP_NET_RAW anyway; this is
 *       defense in depth for a guest given it in bcapabilities and for {@code chbind} commands
 *       run as root: a raw socket passes none of the hooks above and can send any source
 *       address.</li>
 * </ul>
 * A guest without IPv4 addresses keeps {@code lback}: its wildcard bind lands there, and only
 * {@code lback} can be reached.
 *
 * <p>With {@link BindPolicy#lback6} the IPv6 hooks need not map: {@code ::1} (and, for a guest
 * without IPv6, {@code ::}) become {@code lback6}, connected to from {@code lback6}. With
 * {@link BindPolicy#steered steering} a wildcard bind also marks the socket in
 * {@link SteeringMaps#STORAGE} (and an exact bind clears the mark, for a socket whose first bind
 * failed), and a sock_ops program ({@link SockOpsProgram}) registers its listeners; the programs
 * then name maps by fd_array index, so the loader must pass {@link SteeringMaps}'s fds.
 *
 * <p>Known gaps of the shared stack (as in VServer): an ICMP datagram socket (ping) has no bind or
 * sendmsg hook, and an autobound UDP socket listens on the port of every host address (steering
 * covers TCP only). A bind of a non-mapped IPv6 address makes the socket V6ONLY (the kernel sets
 * the flag), so a dual-stack {@code [::]} rewritten to one takes no IPv4: a steered bind6 that
 * knows {@link BindPolicy#ipv6onlyBit} reads the socket's IPV6_V6ONLY (bpf_getsockopt refuses
 * it: through {@code bpf_skc_to_tcp6_sock} or {@code bpf_skc_to_udp6_sock}, a BTF pointer, and a
 * one-byte load of {@code struct sock_common}) and binds a dual-stack {@code [::]} to
 * {@code ::ffff:v4[0]}, which the sk_lookup program then hands IPv6 connections too. A dual-stack
 * UDP socket has no such help: it gets IPv4 on {@code v4[0]} and no IPv6. Without the offset a
 * dual-stack {@code [::]} of a guest with IPv6 takes no IPv4.
 */
public final class SockAddrPrograms {
    /** The prefix of every program name (bpf_prog_info.name), e.g. {@code vserver_bind4}. */
    public static final String NAME_PREFIX = "vserver_";

    private static final String LICENSE = "GPL";

    // struct bpf_sock_addr
    private static final int USER_IP4 = 4, USER_IP6 = 8, USER_PORT = 24, MSG_SRC_IP4 = 40, MSG_SRC_IP6 = 44, SK = 64;
    // struct bpf_sock
    private static final int SOCK_TYPE = 8, SOCK_SRC_IP4 = 24, SOCK_SRC_IP6 = 28;
    // struct sockaddr_in / sockaddr_in6 on the stack for bpf_bind
    private static final int SIN_SIZE = 16, SIN6_SIZE = 28, STACK4 = -16, STACK6 = -32;

    /** Registers: R6 the context (R1 is clobbered by calls), R7 the destination word, R8 the source, R2/R3 scratch. */
    private static final int CTX = 6, ADDR = 7, SRC = 8, TMP = 2, TMP2 = 3, FP = 10;

    /** 127.0.0.1; the third word of {@code ::ffff:0:0/96}; the last word of {@code ::1}. */
    private static final int LOCALHOST = word(new byte[] {127, 0, 0, 1}, 0), MAPPED = word(new byte[] {0, 0, -1, -1}, 0),
            LOOPBACK6 = word(new byte[] {0, 0, 0, 1}, 0);

    private static final int EADDRNOTAVAIL = Errno.EADDRNOTAVAIL, ENETUNREACH = Errno.ENETUNREACH;

    /** The words of {@link BindPolicy#LBACK6_NET} its prefix covers: every guest's lback6 starts so. */
    private static final int[] LBACK6_NET = {word(BindPolicy.LBACK6_NET.getAddress(), 0), word(BindPolicy.LBACK6_NET.getAddress(), 4),
            word(BindPolicy.LBACK6_NET.getAddress(), 8)};

    /**
     * A loopback destination that is not the guest's: EPERM, "Operation not permitted", which is
     * what the host's firewall gives a local sender whose packet it drops (netfilter OUTPUT), and
     * what the kernel gives when a cgroup program refuses without saying more. Not ECONNREFUSED:
     * that would be a lie for UDP (sendto never gets it) and would make "the guest's own service is
     * down" and "the policy refuses the host's service, list it in lback.allow" look alike to the
     * admin. The guest learns nothing from it: the answer is the same whether anything listens there.
     */
    static final int EPERM = Errno.EPERM;

    /**
     * What a bind program returns to allow a bind and skip the kernel's CAP_NET_BIND_SERVICE check
     * (BPF_RET_BIND_NO_CAP_TO_BIND_PORT, bit 1 besides "allow", Linux 5.8): the flag matters only
     * for a port below {@code net.ipv4.ip_unprivileged_port_start} and not 0, so the programs
     * need not look at the port, and they follow the host's sysctl rather than a copy of 1024.
     */
    static final int ALLOW_WITHOUT_BIND_CAP = 3;

    private SockAddrPrograms() {}

    /** attach type ({@code org.vserver.bpf.Bpf.CGROUP_*}) → its program; BPF_CGROUP_SOCK_OPS last, only if steered. */
    public static Map<Integer, List<Insn>> of(BindPolicy policy) {
        var p = new Words(policy);
        var out = new LinkedHashMap<Integer, List<Insn>>();
        out.put(Bpf.CGROUP_INET_SOCK_CREATE, sockCreate());
        out.put(Bpf.CGROUP_INET4_BIND, bind4(p));
        out.put(Bpf.CGROUP_INET6_BIND, bind6(p));
        out.put(Bpf.CGROUP_INET4_CONNECT, connect4(p));
        out.put(Bpf.CGROUP_INET6_CONNECT, connect6(p));
        out.put(Bpf.CGROUP_UDP4_SENDMSG, sendmsg4(p));
        out.put(Bpf.CGROUP_UDP6_SENDMSG, sendmsg6(p));
        if (policy.steered()) out.put(Bpf.CGROUP_SOCK_OPS, SockOpsProgram.of(policy.xid()));
        return out;
    }

    /** The program type (enum bpf_prog_type) of the program {@link #of} gives for {@code attachType}. */
    public static int progType(int attachType) {
        return switch (attachType) {
            case Bpf.CGROUP_INET_SOCK_CREATE -> Bpf.PROG_TYPE_CGROUP_SOCK;
            case Bpf.CGROUP_SOCK_OPS -> Bpf.PROG_TYPE_SOCK_OPS;
            default -> Bpf.PROG_TYPE_CGROUP_SOCK_ADDR;
        };
    }

    /** The program's name as the kernel lists it (at most 15 characters). */
    public static String name(int attachType) {
        return NAME_PREFIX + switch (attachType) {
            case Bpf.CGROUP_INET_SOCK_CREATE -> "sock";
            case Bpf.CGROUP_INET4_BIND -> "bind4";
            case Bpf.CGROUP_INET6_BIND -> "bind6";
            case Bpf.CGROUP_INET4_CONNECT -> "conn4";
            case Bpf.CGROUP_INET6_CONNECT -> "conn6";
            case Bpf.CGROUP_UDP4_SENDMSG -> "send4";
            case Bpf.CGROUP_UDP6_SENDMSG -> "send6";
            case Bpf.CGROUP_SOCK_OPS -> "sockops";
            default -> throw new IllegalArgumentException("no socket program for attach type " + attachType);
        };
    }

    /** Loads every program of {@code policy} and attaches it to {@code cgroupDir}; a failure detaches what was attached. */
    public static void attach(Syscalls sys, Path cgroupDir, BindPolicy policy) throws IOException {
        attach(sys, cgroupDir, policy, new int[0]);
    }

    /**
     * {@link #attach(Syscalls, Path, BindPolicy)} for a steered policy: {@code maps} are the fds of
     * {@link SteeringMaps#ALL}, in its order, passed to every program as its fd_array.
     */
    public static void attach(Syscalls sys, Path cgroupDir, BindPolicy policy, int[] maps) throws IOException {
        if (policy.steered() && maps.length != SteeringMaps.ALL.size())
            throw new IllegalArgumentException("a steered policy needs the " + SteeringMaps.ALL.size() + " steering maps, not " + maps.length);
        Map<Integer, List<Insn>> programs = of(policy);
        int dir;
        try {
            dir = sys.open(cgroupDir.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage() + ": the address policy cannot be attached to `" + cgroupDir + "`");
        }
        List<int[]> attached = new ArrayList<>();          // {attach type, program fd}
        List<Integer> fds = new ArrayList<>();
        boolean done = false;
        try {
            for (var e : programs.entrySet()) {
                int type = e.getKey();
                String name = name(type);
                int prog;
                try {
                    prog = maps.length == 0 ? sys.bpfProgLoad(progType(type), Insn.encode(e.getValue()), LICENSE, name, type)
                            : sys.bpfProgLoad(progType(type), Insn.encode(e.getValue()), LICENSE, name, type, maps);
                } catch (ErrnoException x) {
                    throw failure(name, cgroupDir, x, "a kernel without CONFIG_CGROUP_BPF, or not root?");
                }
                fds.add(prog);
                try {
                    sys.bpfProgAttach(dir, prog, type, Bpf.F_ALLOW_MULTI);
                } catch (ErrnoException x) {
                    throw failure(name, cgroupDir, x, "an ancestor cgroup with a socket program attached without BPF_F_ALLOW_MULTI?");
                }
                attached.add(new int[] {type, prog});
            }
            done = true;
        } finally {
            if (!done) {
                // Detached newest first; a detach that fails leaves a program that only narrows, and
                // the caller removes the cgroup anyway.
                for (int i = attached.size() - 1; i >= 0; i--) {
                    try {
                        sys.bpfProgDetach(dir, attached.get(i)[1], attached.get(i)[0]);
                    } catch (ErrnoException ignored) {
                        // the error being thrown says what went wrong first
                    }
                }
            }
            for (int fd : fds) sys.close(fd);                // the attachment holds its own reference
            sys.close(dir);
        }
    }

    private static IOException failure(String program, Path cgroupDir, ErrnoException e, String hint) {
        return new IOException("the address policy program " + program + " could not be attached to `" + cgroupDir + "`: "
                + e.getMessage() + " [" + Errno.name(e.errno()) + "] (" + hint + ")");
    }

    /** The four bytes at {@code off} of a network-order address as a 32-bit load reads them on little endian. */
    static int word(byte[] a, int off) {
        return (a[off] & 0xff) | (a[off + 1] & 0xff) << 8 | (a[off + 2] & 0xff) << 16 | (a[off + 3] & 0xff) << 24;
    }

    /** The policy as the words the programs compare and store. */
    record Words(int[] v4, int[][] v6, int lback, int[] own4, int[] ownLoopback, int[][] lbackAllow, int bindAllowed,
                 boolean steered, int[] lback6, int ipv6onlyBit) {
        Words(BindPolicy p) {
            this(p.v4().stream().mapToInt(a -> word(a.getAddress(), 0)).toArray(),
                    p.v6().stream().map(a -> words6(a)).toArray(int[][]::new),
                    word(p.lback().getAddress(), 0), own4(p), ownLoopback(p),
                    p.lbackAllow().stream().map(Words::allow).toArray(int[][]::new),
                    p.privilegedPorts() ? ALLOW_WITHOUT_BIND_CAP : 1, p.steered(), p.lback6() == null ? null : words6(p.lback6()),
                    p.ipv6onlyBit());
        }

        /**
         * Whether connect6 and sendmsg6 refuse the other guests' lback6 ({@link BindPolicy#LBACK6_NET}):
         * a guest that has one or is steered; without, the programs stay a {@code chbind} command's.
         */
        boolean guardsLback6Net() { return steered || lback6 != null; }

        /** Whether bind6 tells a V6ONLY socket from a dual-stack one: steered, with the kernel's offset. */
        boolean seesV6only() { return steered && ipv6onlyBit >= 0; }

        /** What a wildcard IPv4 bind becomes: the primary, or lback for a guest without IPv4. */
        int bindPrimary() { return v4.length > 0 ? v4[0] : lback; }

        /** The guest's own IPv6 addresses: v6, then lback6 if any. */
        List<int[]> own6() {
            var own = new ArrayList<>(List.of(v6));
            if (lback6 != null) own.add(lback6);
            return own;
        }

        private static int[] words6(InetAddress a) {
            byte[] b = a.getAddress();
            return new int[] {word(b, 0), word(b, 4), word(b, 8), word(b, 12)};
        }

        /** The guest's own addresses in 127.0.0.0/8 but lback (tests and odd setups): as reachable as lback. */
        private static int[] ownLoopback(BindPolicy p) {
            return p.v4().stream().filter(a -> (a.getAddress()[0] & 0xff) == 127 && !a.equals(p.lback()))
                    .mapToInt(a -> word(a.getAddress(), 0)).distinct().toArray();
        }

        /** {network word, mask word, port as user_port holds it (network order in the low 16 bits) or 0}. */
        private static int[] allow(LoopbackAllow e) {
            byte[] mask = new byte[4];
            for (int i = 0; i < 4; i++) mask[i] = (byte) (LoopbackAllow.mask(e.prefix()) >>> (24 - 8 * i));
            return new int[] {word(e.address().getAddress(), 0), word(mask, 0), (e.port() & 0xff) << 8 | e.port() >>> 8};
        }

        private static int[] own4(BindPolicy p) {
            Set<Integer> own = new java.util.LinkedHashSet<>();
            for (var a : p.v4()) own.add(word(a.getAddress(), 0));
            own.add(word(p.lback().getAddress(), 0));
            if (p.bcast() != null) own.add(word(p.bcast().getAddress(), 0));
            return own.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** An assembler that knows the shared exits and emits only those jumped to (the verifier refuses unreachable code). */
    private static final class Code {
        final Assembler<Insn> a = Assembler.extended();
        /** The shared exits: allow, or refuse with one errno. */
        final Label allow = a.label(), eaddr = a.label(), eunreach = a.label(), eperm = a.label();
        final Set<Label> used = new HashSet<>();
        /** A bind hook's allow after a wildcard bind (marks the socket) and after an exact one (clears the mark). */
        final Label wild = a.label(), exact = a.label();
        /** What {@link #allow} returns: 1, or {@link SockAddrPrograms#ALLOW_WITHOUT_BIND_CAP} for a bind hook told so. */
        private final int allowed;
        /** Whether a bind is to be marked ({@link BindPolicy#steered}). */
        private final boolean steered;

        Code() { this(1, false); }

        Code(int allowed, boolean steered) {
            this.allowed = allowed;
            this.steered = steered;
        }

        /** Where an allowed wildcard bind goes. */
        Label wildcard() { return steered ? wild : allow; }

        /** Where an allowed bind of one address goes. */
        Label exactly() { return steered ? exact : allow; }

        Label label() { return a.label(); }

        Code emit(Insn i) {
            a.emit(i);
            return this;
        }

        Code go(Insn jump, Label label) {
            used.add(label);
            a.jump(jump, label);
            return this;
        }

        Code at(Label label) {
            a.bind(label);
            return this;
        }

        /** Compared through a register: an immediate is sign-extended to 64 bits, a loaded word is not. */
        Code ifEq(int reg, int value, Label label) {
            return emit(mov32(TMP, value)).go(jeqReg(reg, TMP, 0), label);
        }

        Code ifNe(int reg, int value, Label label) {
            return emit(mov32(TMP, value)).go(jneReg(reg, TMP, 0), label);
        }

        Code load(int reg, int ctxOff) { return emit(ldxw(reg, CTX, ctxOff)); }

        Code store(int ctxOff, int value) { return emit(mov32(TMP, value)).emit(stxw(CTX, ctxOff, TMP)); }

        /** Jumps to {@code label} unless the four words at {@code ctxOff} are {@code addr}. */
        Code ifNot6(int ctxOff, int[] addr, Label label) {
            for (int i = 0; i < 4; i++) load(TMP2, ctxOff + 4 * i).ifNe(TMP2, addr[i], label);
            return this;
        }

        List<Insn> assemble() {
            if (used.contains(exact)) mark(exact, 0).emit(and(TMP, ~SteeringMaps.WILDCARD)).emit(stxw(0, 0, TMP)).go(ja(0), allow);
            if (used.contains(wild)) mark(wild, Bpf.SK_STORAGE_GET_F_CREATE).emit(or(TMP, SteeringMaps.WILDCARD)).emit(stxw(0, 0, TMP));
            if (used.contains(wild) || used.contains(allow)) at(allow).emit(mov(0, allowed)).emit(exit());
            if (used.contains(eaddr)) refuse(eaddr, EADDRNOTAVAIL);
            if (used.contains(eunreach)) refuse(eunreach, ENETUNREACH);
            if (used.contains(eperm)) refuse(eperm, EPERM);
            return a.assemble();
        }

        /**
         * The socket's STORAGE value (created with {@code flags} F_CREATE, else only if it has one);
         * none: allow; else its flags word in TMP, R0 pointing at it.
         */
        private Code mark(Label label, int flags) {
            at(label).emitAll(ldMapIdx(1, SteeringMaps.STORAGE)).emit(ldxdw(2, CTX, SK)).emit(mov(3, 0)).emit(mov(4, flags))
                    .emit(call(Bpf.FUNC_SK_STORAGE_GET)).go(jeq(0, 0, 0), allow);
            return emit(ldxw(TMP, 0, 0));
        }

        Code emitAll(List<Insn> insns) {
            insns.forEach(this::emit);
            return this;
        }

        /** bpf_set_retval(-errno); return 0: the syscall fails with errno instead of EPERM. */
        private void refuse(Label label, int errno) {
            at(label).emit(mov(1, -errno)).emit(call(Bpf.FUNC_SET_RETVAL)).emit(mov(0, 0)).emit(exit());
        }
    }

    /** No raw inet socket: it would bypass every address hook. */
    static List<Insn> sockCreate() {
        var c = new Code();
        c.emit(ldxw(TMP, 1, SOCK_TYPE)).go(jne(TMP, Syscalls.SOCK_RAW, 0), c.allow);
        c.emit(mov(0, 0)).emit(exit());                        // EPERM, as without CAP_NET_RAW
        return c.assemble();
    }

    static List<Insn> bind4(Words p) {
        var c = new Code(p.bindAllowed(), p.steered());
        c.emit(movReg(CTX, 1)).load(ADDR, USER_IP4);
        bindRules4(c, p, USER_IP4);
        return c.assemble();
    }

    /** The IPv4 bind rules on the word in ADDR, which was loaded from {@code ctxOff} (user_ip4 or user_ip6[3]). */
    private static void bindRules4(Code c, Words p, int ctxOff) {
        Label notAny = c.label(), notLocalhost = c.label();
        c.go(jne(ADDR, 0, 0), notAny).store(ctxOff, p.bindPrimary()).go(ja(0), c.wildcard());
        c.at(notAny).ifNe(ADDR, LOCALHOST, notLocalhost).store(ctxOff, p.lback()).go(ja(0), c.exactly());
        c.at(notLocalhost);
        for (int own : p.own4()) c.ifEq(ADDR, own, c.exactly());
        c.go(ja(0), c.eaddr);
    }

    static List<Insn> bind6(Words p) {
        var c = new Code(p.bindAllowed(), p.steered());
        Label v6 = c.label(), mapped = c.label(), notAny = c.label();
        c.emit(movReg(CTX, 1));
        c.load(ADDR, USER_IP6).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 4).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 8).ifEq(ADDR, MAPPED, mapped).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 12).go(jne(ADDR, 0, 0), notAny);
        if (p.seesV6only()) {                                  // ::
            Label v6only = c.label(), dual = c.label(), sock = c.label();
            c.emit(ldxdw(1, CTX, SK)).emit(call(Bpf.FUNC_SKC_TO_TCP6_SOCK)).go(jne(0, 0, 0), sock);
            c.emit(ldxdw(1, CTX, SK)).emit(call(Bpf.FUNC_SKC_TO_UDP6_SOCK)).go(jeq(0, 0, 0), dual);
            // struct sock_common begins every socket: one byte of its bitfield (the verifier takes no wider load there)
            c.at(sock).emit(ldxb(TMP, 0, p.ipv6onlyBit() / 8)).go(jset(TMP, 1 << p.ipv6onlyBit() % 8, 0), v6only);
            c.at(dual);
            if (p.v4().length > 0) c.store(USER_IP6 + 8, MAPPED).store(USER_IP6 + 12, p.v4()[0]);   // stays dual-stack
            else wildcard6(c, p);
            c.go(ja(0), c.wildcard());
            c.at(v6only);
        }
        wildcard6(c, p);
        c.go(ja(0), c.wildcard());
        c.at(notAny).ifNe(ADDR, LOOPBACK6, v6);
        if (p.lback6() != null) {                              // ::1 becomes lback6
            for (int i = 0; i < 4; i++) c.store(USER_IP6 + 4 * i, p.lback6()[i]);
        } else {                                               // ::1 becomes ::ffff:lback
            c.store(USER_IP6 + 8, MAPPED).store(USER_IP6 + 12, p.lback());
        }
        c.go(ja(0), c.exactly());
        c.at(mapped).load(ADDR, USER_IP6 + 12);
        bindRules4(c, p, USER_IP6 + 12);
        c.at(v6);
        for (int[] own : p.own6()) {
            Label next = c.label();
            c.ifNot6(USER_IP6, own, next).go(ja(0), c.exactly()).at(next);
        }
        c.go(ja(0), c.eaddr);
        return c.assemble();
    }

    /**
     * {@code ::} as a socket that takes IPv6 only gets it: the IPv6 primary, else lback6 (not
     * mapped: a V6ONLY socket cannot bind a mapped address), else {@code ::ffff:} the IPv4 one.
     */
    private static void wildcard6(Code c, Words p) {
        if (p.v6().length > 0) {
            for (int i = 0; i < 4; i++) c.store(USER_IP6 + 4 * i, p.v6()[0][i]);
        } else if (p.lback6() != null) {
            for (int i = 0; i < 4; i++) c.store(USER_IP6 + 4 * i, p.lback6()[i]);
        } else {
            c.store(USER_IP6 + 8, MAPPED).store(USER_IP6 + 12, p.bindPrimary());
        }
    }

    /**
     * 127.0.0.1 and 0.0.0.0 in the word at {@code ctxOff} (in ADDR) become lback; any other
     * loopback destination must be an own address or listed ({@link BindPolicy#lbackAllow}), else
     * EPERM. Then SRC is the source for the destination: lback for lback and a listed one (the
     * host's service sees which guest asks, and a guest without IPv4 reaches it too), else the
     * primary, or ENETUNREACH without one.
     */
    private static void destination4(Code c, Words p, int ctxOff, Label srcChosen) {
        Label loopback = c.label(), dst = c.label(), toLback = c.label(), viaPrimary = c.label();
        c.go(jeq(ADDR, 0, 0), loopback).ifNe(ADDR, LOCALHOST, dst);
        c.at(loopback).emit(mov32(ADDR, p.lback())).emit(stxw(CTX, ctxOff, ADDR));
        c.at(dst).ifEq(ADDR, p.lback(), toLback);
        c.emit(movReg(TMP2, ADDR)).emit(and(TMP2, 0xff)).go(jne(TMP2, 127, 0), viaPrimary);   // the first byte: 127.0.0.0/8?
        for (int own : p.ownLoopback()) c.ifEq(ADDR, own, viaPrimary);
        for (int[] e : p.lbackAllow()) {
            Label next = c.label();
            if (e[1] == -1) c.ifNe(ADDR, e[0], next);                                      // a /32
            else c.emit(movReg(TMP2, ADDR)).emit(and(TMP2, e[1])).ifNe(TMP2, e[0], next);
            if (e[2] != 0) c.load(TMP2, USER_PORT).ifNe(TMP2, e[2], next);
            c.go(ja(0), toLback).at(next);
        }
        c.go(ja(0), c.eperm);
        c.at(viaPrimary);
        if (p.v4().length == 0) c.go(ja(0), c.eunreach);
        else c.emit(mov32(SRC, p.v4()[0])).go(ja(0), srcChosen);
        c.at(toLback).emit(mov32(SRC, p.lback()));            // falls through to srcChosen
    }

    /**
     * A destination in {@link BindPolicy#LBACK6_NET} (the caller has let its own lback6 through):
     * another guest's loopback, EPERM as for its IPv4 lback. It is a local address of the host, and
     * the sk_lookup program would hand the connection to that guest's listener.
     */
    private static void refuseLback6Net(Code c, Words p) {
        if (!p.guardsLback6Net()) return;
        Label other = c.label();
        for (int i = 0; i < LBACK6_NET.length; i++) c.load(TMP2, USER_IP6 + 4 * i).ifNe(TMP2, LBACK6_NET[i], other);
        c.go(ja(0), c.eperm).at(other);
    }

    /** bpf_bind(ctx, stack, size); success, or a socket that already has an address, allows. */
    private static void bindSource(Code c, int stack, int size, int srcOff, int words) {
        c.emit(movReg(1, CTX)).emit(movReg(2, FP)).emit(add(2, stack)).emit(mov(3, size)).emit(call(Bpf.FUNC_BIND));
        c.go(jeq(0, 0, 0), c.allow);
        c.emit(ldxdw(TMP, CTX, SK));                           // PTR_TO_SOCKET, never null here
        for (int i = 0; i < words; i++) c.emit(ldxw(TMP2, TMP, srcOff + 4 * i)).go(jne(TMP2, 0, 0), c.allow);
        c.go(ja(0), c.eaddr);                               // autobound without an address: the route would pick a host's
    }

    private static void zeroStack(Code c, int stack, int bytes, int family) {
        for (int off = 0; off < bytes; off += 8) c.emit(stdw(FP, stack + off, 0));
        c.emit(sth(FP, stack, family));
    }

    static List<Insn> connect4(Words p) {
        var c = new Code();
        Label bind = c.label();
        c.emit(movReg(CTX, 1)).load(ADDR, USER_IP4);
        destination4(c, p, USER_IP4, bind);
        c.at(bind);
        zeroStack(c, STACK4, SIN_SIZE, Syscalls.AF_INET);
        c.emit(stxw(FP, STACK4 + 4, SRC));                     // sin_addr
        bindSource(c, STACK4, SIN_SIZE, SOCK_SRC_IP4, 1);
        return c.assemble();
    }

    static List<Insn> connect6(Words p) {
        if (p.lback6() != null) return connect6Lback6(p);
        var c = new Code();
        Label v6 = c.label(), mapped = c.label(), loopback = c.label(), bindMapped = c.label(), bind = c.label();
        c.emit(movReg(CTX, 1));
        c.load(ADDR, USER_IP6).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 4).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 8).ifEq(ADDR, MAPPED, mapped).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 12).go(jeq(ADDR, 0, 0), loopback).ifNe(ADDR, LOOPBACK6, v6);
        // :: and ::1 (the kernel connects :: to the loopback): ::ffff:lback, from lback
        c.at(loopback).store(USER_IP6 + 8, MAPPED).store(USER_IP6 + 12, p.lback());
        c.emit(mov32(SRC, p.lback())).go(ja(0), bindMapped);
        c.at(mapped).load(ADDR, USER_IP6 + 12);
        destination4(c, p, USER_IP6 + 12, bindMapped);
        c.at(bindMapped);                                      // sin6_addr = ::ffff:SRC
        zeroStack(c, STACK6, 32, Syscalls.AF_INET6);
        c.emit(mov32(TMP, MAPPED)).emit(stxw(FP, STACK6 + 16, TMP)).emit(stxw(FP, STACK6 + 20, SRC));
        c.go(ja(0), bind);
        c.at(v6);
        refuseLback6Net(c, p);
        if (p.v6().length == 0) {
            c.go(ja(0), c.eunreach);
        } else {
            zeroStack(c, STACK6, 32, Syscalls.AF_INET6);
            for (int i = 0; i < 4; i++) c.emit(mov32(TMP, p.v6()[0][i])).emit(stxw(FP, STACK6 + 8 + 4 * i, TMP));
        }
        c.at(bind);
        bindSource(c, STACK6, SIN6_SIZE, SOCK_SRC_IP6, 4);
        return c.assemble();
    }

    /**
     * connect6 of a guest with {@code lback6}: {@code ::} and {@code ::1} become lback6 and, as
     * lback6 itself, are connected to from lback6; other IPv6 destinations from the IPv6 primary,
     * or ENETUNREACH without one; mapped ones as connect4.
     */
    private static List<Insn> connect6Lback6(Words p) {
        var c = new Code();
        Label v6 = c.label(), mapped = c.label(), loopback = c.label(), bindMapped = c.label(), fromLback6 = c.label(),
                bind = c.label(), notLback6 = c.label();
        c.emit(movReg(CTX, 1));
        c.load(ADDR, USER_IP6).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 4).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 8).ifEq(ADDR, MAPPED, mapped).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 12).go(jeq(ADDR, 0, 0), loopback).ifNe(ADDR, LOOPBACK6, v6);
        c.at(loopback);                                        // :: and ::1 (the kernel connects :: to the loopback)
        for (int i = 0; i < 4; i++) c.store(USER_IP6 + 4 * i, p.lback6()[i]);
        c.go(ja(0), fromLback6);
        c.at(mapped).load(ADDR, USER_IP6 + 12);
        destination4(c, p, USER_IP6 + 12, bindMapped);
        c.at(bindMapped);                                      // sin6_addr = ::ffff:SRC
        zeroStack(c, STACK6, 32, Syscalls.AF_INET6);
        c.emit(mov32(TMP, MAPPED)).emit(stxw(FP, STACK6 + 16, TMP)).emit(stxw(FP, STACK6 + 20, SRC));
        c.go(ja(0), bind);
        c.at(v6).ifNot6(USER_IP6, p.lback6(), notLback6).go(ja(0), fromLback6);
        c.at(notLback6);
        refuseLback6Net(c, p);
        if (p.v6().length == 0) {
            c.go(ja(0), c.eunreach);
        } else {
            source6(c, p.v6()[0]);
            c.go(ja(0), bind);
        }
        c.at(fromLback6);
        source6(c, p.lback6());
        c.at(bind);
        bindSource(c, STACK6, SIN6_SIZE, SOCK_SRC_IP6, 4);
        return c.assemble();
    }

    /** A sockaddr_in6 of {@code addr}, port 0, on the stack for bpf_bind. */
    private static void source6(Code c, int[] addr) {
        zeroStack(c, STACK6, 32, Syscalls.AF_INET6);
        for (int i = 0; i < 4; i++) c.emit(mov32(TMP, addr[i])).emit(stxw(FP, STACK6 + 8 + 4 * i, TMP));
    }

    static List<Insn> sendmsg4(Words p) {
        var c = new Code();
        Label chosen = c.label(), check = c.label();
        c.emit(movReg(CTX, 1)).load(ADDR, USER_IP4);
        destination4(c, p, USER_IP4, chosen);
        c.at(chosen);                                          // SRC: what an unbound socket sends from
        c.load(TMP2, MSG_SRC_IP4).go(jne(TMP2, 0, 0), check);
        c.emit(stxw(CTX, MSG_SRC_IP4, SRC)).go(ja(0), c.allow);
        c.at(check);                                           // bound, or an IP_PKTINFO source
        for (int own : p.own4()) c.ifEq(TMP2, own, c.allow);
        c.go(ja(0), c.eaddr);
        return c.assemble();
    }

    static List<Insn> sendmsg6(Words p) {
        if (p.lback6() != null) return sendmsg6Lback6(p);
        var c = new Code();
        Label v6 = c.label(), check = c.label();
        c.emit(movReg(CTX, 1));
        c.load(ADDR, USER_IP6).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 4).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 8).go(jne(ADDR, 0, 0), v6);   // a mapped destination never gets here
        c.load(ADDR, USER_IP6 + 12).go(jeq(ADDR, 0, 0), c.eunreach).ifEq(ADDR, LOOPBACK6, c.eunreach);
        c.at(v6);
        refuseLback6Net(c, p);
        if (p.v6().length == 0) {
            c.go(ja(0), c.eunreach);
            return c.assemble();
        }
        for (int i = 0; i < 4; i++) c.load(TMP2, MSG_SRC_IP6 + 4 * i).go(jne(TMP2, 0, 0), check);
        for (int i = 0; i < 4; i++) c.store(MSG_SRC_IP6 + 4 * i, p.v6()[0][i]);
        c.go(ja(0), c.allow);
        c.at(check);
        for (int[] own : p.v6()) {
            Label next = c.label();
            c.ifNot6(MSG_SRC_IP6, own, next).go(ja(0), c.allow).at(next);
        }
        c.go(ja(0), c.eaddr);
        return c.assemble();
    }

    /**
     * sendmsg6 of a guest with {@code lback6}: {@code ::} and {@code ::1} become lback6 and, as
     * lback6 itself, are sent to from lback6 unless the socket has an own source; other IPv6
     * destinations from the IPv6 primary, or ENETUNREACH without one.
     */
    private static List<Insn> sendmsg6Lback6(Words p) {
        var c = new Code();
        Label v6 = c.label(), loopback = c.label(), fromLback6 = c.label(), notLback6 = c.label(), check = c.label();
        c.emit(movReg(CTX, 1));
        c.load(ADDR, USER_IP6).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 4).go(jne(ADDR, 0, 0), v6);
        c.load(ADDR, USER_IP6 + 8).go(jne(ADDR, 0, 0), v6);   // a mapped destination never gets here
        c.load(ADDR, USER_IP6 + 12).go(jeq(ADDR, 0, 0), loopback).ifNe(ADDR, LOOPBACK6, v6);
        c.at(loopback);
        for (int i = 0; i < 4; i++) c.store(USER_IP6 + 4 * i, p.lback6()[i]);
        c.go(ja(0), fromLback6);
        c.at(v6).ifNot6(USER_IP6, p.lback6(), notLback6).go(ja(0), fromLback6);
        c.at(notLback6);
        refuseLback6Net(c, p);
        if (p.v6().length == 0) {
            c.go(ja(0), c.eunreach);
        } else {
            for (int i = 0; i < 4; i++) c.load(TMP2, MSG_SRC_IP6 + 4 * i).go(jne(TMP2, 0, 0), check);
            for (int i = 0; i < 4; i++) c.store(MSG_SRC_IP6 + 4 * i, p.v6()[0][i]);
            c.go(ja(0), c.allow);
        }
        c.at(fromLback6);
        for (int i = 0; i < 4; i++) c.load(TMP2, MSG_SRC_IP6 + 4 * i).go(jne(TMP2, 0, 0), check);
        for (int i = 0; i < 4; i++) c.store(MSG_SRC_IP6 + 4 * i, p.lback6()[i]);
        c.go(ja(0), c.allow);
        c.at(check);                                           // bound, or an IPV6_PKTINFO source
        for (int[] own : p.own6()) {
            Label next = c.label();
            c.ifNot6(MSG_SRC_IP6, own, next).go(ja(0), c.allow).at(next);
        }
        c.go(ja(0), c.eaddr);
        return c.assemble();
    }
}
