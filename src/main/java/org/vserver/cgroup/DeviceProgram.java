package org.vserver.cgroup;

import static org.vserver.bpf.Insn.and;
import static org.vserver.bpf.Insn.exit;
import static org.vserver.bpf.Insn.jne;
import static org.vserver.bpf.Insn.jset;
import static org.vserver.bpf.Insn.ldxw;
import static org.vserver.bpf.Insn.mov;
import static org.vserver.bpf.Insn.movReg;
import static org.vserver.bpf.Insn.rsh;

import java.util.List;
import org.vserver.bpf.Assembler;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Label;

/**
 * {@link DeviceRules} compiled to a BPF_PROG_TYPE_CGROUP_DEVICE program, the cgroup v2 form of the
 * v1 devices controller's deny-all-then-allow list. The kernel runs it on every open and mknod of a
 * device node by a process of the cgroup (and its descendants) with R1 pointing at
 * {@code struct bpf_cgroup_dev_ctx}; it returns 1 to allow, 0 to deny (the caller gets EPERM).
 *
 * <p>Shape: the context is loaded into registers once, then one block per rule compares type,
 * major and minor (a wildcard skips its compare) and checks that the requested access is a subset
 * of the rule's; the first matching block returns 1, the end returns 0.
 */
public final class DeviceProgram {
    /** The name the kernel lists the program under (bpf_prog_info.name). */
    public static final String NAME = "vserver_dev";

    // Registers: R1 the context (given), R2 access, R3 type, R4 major, R5 minor, R0 the verdict.
    private static final int CTX = 1, ACCESS = 2, TYPE = 3, MAJOR = 4, MINOR = 5, RESULT = 0;

    private DeviceProgram() {}

    /** The program allowing exactly {@code allow}; an empty list denies every device. */
    public static List<Insn> of(List<DeviceRules.Rule> allow) {
        var a = Assembler.extended()
                .emit(ldxw(ACCESS, CTX, Bpf.DEV_ACCESS_TYPE))
                .emit(movReg(TYPE, ACCESS))
                .emit(and(TYPE, 0xffff))
                .emit(rsh(ACCESS, 16))
                .emit(ldxw(MAJOR, CTX, Bpf.DEV_MAJOR))
                .emit(ldxw(MINOR, CTX, Bpf.DEV_MINOR));
        for (int i = 0; i < allow.size(); i++) {
            DeviceRules.Rule r = allow.get(i);
            Label next = a.label();
            a.jump(jne(TYPE, type(r), 0), next);
            if (r.major() != DeviceRules.ANY) a.jump(jne(MAJOR, r.major(), 0), next);
            if (r.minor() != DeviceRules.ANY) a.jump(jne(MINOR, r.minor(), 0), next);
            // any requested bit outside the rule's access (unknown future bits included): not this rule
            a.jump(jset(ACCESS, ~access(r) & 0xffff, 0), next);
            a.emit(mov(RESULT, 1)).emit(exit());
            a.bind(next);
        }
        return a.emit(mov(RESULT, 0)).emit(exit()).assemble();
    }

    static int type(DeviceRules.Rule r) {
        return switch (r.type()) {
            case 'c' -> Bpf.DEVCG_DEV_CHAR;
            case 'b' -> Bpf.DEVCG_DEV_BLOCK;
            default -> throw new IllegalArgumentException("device rule " + r + ": type must be c or b");
        };
    }

    /** "rwm" as the kernel's access bits. */
    static int access(DeviceRules.Rule r) {
        int bits = 0;
        for (char c : r.access().toCharArray()) {
            bits |= switch (c) {
                case 'r' -> Bpf.DEVCG_ACC_READ;
                case 'w' -> Bpf.DEVCG_ACC_WRITE;
                case 'm' -> Bpf.DEVCG_ACC_MKNOD;
                default -> throw new IllegalArgumentException("device rule " + r + ": access must be a subset of rwm");
            };
        }
        return bits;
    }
}
