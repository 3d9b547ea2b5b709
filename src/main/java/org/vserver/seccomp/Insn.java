package org.vserver.seccomp;

/**
 * One classic BPF instruction, as the kernel's {@code struct sock_filter}: {@code u16 code, u8 jt,
 * u8 jf, u32 k}. Only the few forms a seccomp filter needs are named here.
 */
public record Insn(int code, int jt, int jf, int k) {
    public static final int LD_W_ABS = 0x00 | 0x00 | 0x20;   // BPF_LD | BPF_W | BPF_ABS
    public static final int JMP_JA = 0x05 | 0x00;            // BPF_JMP | BPF_JA
    public static final int JMP_JEQ_K = 0x05 | 0x10;         // BPF_JMP | BPF_JEQ | BPF_K
    public static final int JMP_JGT_K = 0x05 | 0x20;
    public static final int JMP_JGE_K = 0x05 | 0x30;
    public static final int JMP_JSET_K = 0x05 | 0x40;
    public static final int RET_K = 0x06;                    // BPF_RET | BPF_K

    public Insn {
        if (code < 0 || code > 0xffff) throw new IllegalArgumentException("code " + code);
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new IllegalArgumentException("jump offsets " + jt + "/" + jf + " do not fit in 8 bits");
    }

    public static Insn load(int offset) { return new Insn(LD_W_ABS, 0, 0, offset); }

    public static Insn ret(int value) { return new Insn(RET_K, 0, 0, value); }

    public static Insn ja(int offset) { return new Insn(JMP_JA, 0, 0, offset); }

    public boolean isConditionalJump() { return code == JMP_JEQ_K || code == JMP_JGT_K || code == JMP_JGE_K || code == JMP_JSET_K; }

    @Override
    public String toString() {
        String op = switch (code) {
            case LD_W_ABS -> "ld [" + k + "]";
            case JMP_JA -> "ja +" + k;
            case JMP_JEQ_K -> "jeq #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JGT_K -> "jgt #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JGE_K -> "jge #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case JMP_JSET_K -> "jset #0x" + Integer.toHexString(k) + " +" + jt + " +" + jf;
            case RET_K -> "ret #0x" + Integer.toHexString(k);
            default -> "op 0x" + Integer.toHexString(code) + " " + jt + " " + jf + " " + k;
        };
        return op;
    }
}
