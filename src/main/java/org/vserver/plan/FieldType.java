package org.vserver.plan;

import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Capability;
/** The field encodings of protocol.h, named by their signature character. */
public enum FieldType {
    /** i32, rendered decimal. */
    INT('i'),
    /** i32 file mode, rendered in octal with a leading 0 (C's {@code %#o}). */
    MODE('o'),
    /** u64, rendered decimal, or {@code inf} for all ones (RLIM_INFINITY). */
    U64('u'),
    /** u64 mount(2) flags, rendered as {@link MountFlag} names. */
    MOUNT_FLAGS('M'),
    /** u64 clone(2) namespace flags, rendered as {@link Namespace} names. */
    NS_FLAGS('N'),
    /** u64 capability mask, rendered as {@link Capability} names. */
    CAPS('K'),
    /** a NUL-terminated string, or null. */
    STRING('s'),
    /** a string vector (argv, envp). */
    STRINGS('v'),
    /** an i32 vector (supplementary groups). */
    INTS('I'),
    /** a classic BPF program (struct sock_filter[]), rendered as its length and FNV-1a hash. */
    FILTER('F'),
    /** an eBPF program (struct bpf_insn[]), rendered as its length and FNV-1a hash. */
    EBPF('E');

    private final char code;

    FieldType(char code) { this.code = code; }

    public char code() { return code; }

    public static FieldType of(char c) {
        for (FieldType t : values()) if (t.code == c) return t;
        throw new IllegalArgumentException("unknown field type '" + c + "'");
    }
}
