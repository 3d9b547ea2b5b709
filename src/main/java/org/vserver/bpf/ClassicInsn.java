package org.vserver.bpf;

/**
 * One classic BPF instruction, as the kernel's {@code struct sock_filter}: {@code u16 code, u8 jt,
 * u8 jf, u32 k}. Classic BPF is what seccomp(2) takes; only the few forms a seccomp filter needs
 * are named here. A conditional jump goes {@code jt} or {@code jf} instructions past the next one.
 */
public record ClassicInsn(int code, int jt, int jf, int k) {
    public static final int LD_W_ABS = 0x00 | 0x00 | 0x20;   // BPF_LD | BPF_W | BPF_ABS
    public static final int JMP_JA = 0x05 | 0x00;            // BPF_JMP | BPF_JA
    public static final int JMP_JEQ_K = 0x05 | 0x10;         // BPF_JMP | BPF_JEQ | BPF_K
    public static final int JMP_JGT_K = 0x05 | 0x20;
    public static final int JMP_JGE_K = 0x05 | 0x30;
    public static final int JMP_JSET_K = 0x05 | 0x40;
    public static final int RET_K = 0x06;                    // BPF_RET | BPF_K

    public ClassicInsn {
        if (code < 0 || code > 0xffff) throw new IllegalArgumentException("code " + code);
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new IllegalArgumentException("jump offsets " + jt + "/" + jf + " do not fit in 8 bits");
    }

    /** {@code A = *(u32 *)(data + offset)}: a word of what the filter runs on (seccomp_data). */
    public static ClassicInsn load(int offset) { return new ClassicInsn(LD_W_ABS, 0, 0, offset); }

    /** {@code return value}. */
    public static ClassicInsn ret(int value) { return new ClassicInsn(RET_K, 0, 0, value); }

    /** {@code goto +offset}; JA's offset is k, 32 bits. */
    public static ClassicInsn ja(int offset) { return new ClassicInsn(JMP_JA, 0, 0, offset); }

    /** {@code A == k ? jt : jf}, its targets left to {@link Assembler}. */
    public static ClassicInsn jeq(int k) { return new ClassicInsn(JMP_JEQ_K, 0, 0, k); }

    /** {@code A > k ? jt : jf}, unsigned. */
    public static ClassicInsn jgt(int k) { return new ClassicInsn(JMP_JGT_K, 0, 0, k); }

    /** {@code A >= k ? jt : jf}, unsigned. */
    public static ClassicInsn jge(int k) { return new ClassicInsn(JMP_JGE_K, 0, 0, k); }

    /** {@code A & k ? jt : jf}. */
    public static ClassicInsn jset(int k) { return new ClassicInsn(JMP_JSET_K, 0, 0, k); }

    public boolean isConditionalJump() { return code == JMP_JEQ_K || code == JMP_JGT_K || code == JMP_JGE_K || code == JMP_JSET_K; }

    /** Classic jumps for {@link Assembler}: JA to one target with its 32-bit k, the conditionals to two with 8 bits each. */
    static final Jumps<ClassicInsn> JUMPS = new Jumps<>() {
        @Override public int targets(ClassicInsn i) { return i.code == JMP_JA ? 1 : i.isConditionalJump() ? 2 : 0; }

        @Override public long reach(ClassicInsn jump) { return jump.code == JMP_JA ? 0xffff_ffffL : 255; }

        @Override public ClassicInsn resolve(ClassicInsn j, int ifTrue, int ifFalse) {
            return j.code == JMP_JA ? ja(ifTrue) : new ClassicInsn(j.code, ifTrue, ifFalse, j.k);
        }

        @Override public ClassicInsn always(int offset) { return ja(offset); }
    };

    @Override
    public String toString() {
        return switch (code) {
            case LD_W_ABS -> "ld [" + k + "]";
            case JMP_JA -> "ja +" + k;
            case JMP_JEQ_K -> "jeq #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JGT_K -> "jgt #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JGE_K -> "jge #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JSET_K -> "jset #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case RET_K -> "ret #0x" + Integer.toHexString(k);
            default -> "op 0x" + Integer.toHexString(code) + " " + jt + " " + jf + " " + k;
        };
    }
}
