package org.vserver.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The smallest BPF Type Format blob (Documentation/bpf/btf.rst) the steering's socket storage
 * needs: BPF_MAP_TYPE_SK_STORAGE refuses to be created without BTF for its key and value (EINVAL),
 * its key type must be a 32-bit int and its value type exactly {@code value_size} bytes. Two types:
 * <pre>
 *   [1] INT "int" size 4, signed, 32 bits                 the key (a socket fd from user space)
 *   [2] STRUCT "vserver_sk" size 8 { int flags @0; int reserved @32 bits }   the value
 * </pre>
 * Loaded with BPF_BTF_LOAD; the map is created with {@code btf_fd}, {@link #KEY_TYPE_ID} and
 * {@link #VALUE_TYPE_ID}. Little endian, as the kernel reads it on x86_64.
 */
public final class Btf {
    /** The type ids of the blob (0 is "void"). */
    public static final int KEY_TYPE_ID = 1, VALUE_TYPE_ID = 2;
    /** The size of the value type: {@code struct { u32 flags; u32 reserved; }}. */
    public static final int VALUE_SIZE = 8;

    private static final int MAGIC = 0xeb9f, VERSION = 1, HEADER_LEN = 24;
    /** struct btf_type's info: kind in bits 24-28, member count (vlen) in 0-15. */
    private static final int KIND_INT = 1, KIND_STRUCT = 4;
    /** An INT's encoding word: BTF_INT_SIGNED in bits 24-27, the bit offset in 16-23, the bits in 0-7. */
    private static final int INT_SIGNED = 1;

    /** The string section: offset 0 is the empty name; each name NUL-terminated. */
    private static final String STRINGS = "\0int\0vserver_sk\0flags\0reserved\0";
    private static final int INT = 1, STRUCT = 5, FLAGS = 16, RESERVED = 22;

    private Btf() {}

    /** The blob BPF_BTF_LOAD takes. */
    public static byte[] bytes() {
        byte[] strings = STRINGS.getBytes(StandardCharsets.US_ASCII);
        int typeLen = 4 * 4 + 3 * 4 + 2 * 3 * 4;
        ByteBuffer b = ByteBuffer.allocate(HEADER_LEN + typeLen + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) MAGIC).put((byte) VERSION).put((byte) 0).putInt(HEADER_LEN);   // magic, version, flags, hdr_len
        b.putInt(0).putInt(typeLen).putInt(typeLen).putInt(strings.length);               // type_off, type_len, str_off, str_len
        b.putInt(INT).putInt(KIND_INT << 24).putInt(4).putInt(INT_SIGNED << 24 | 32);
        b.putInt(STRUCT).putInt(KIND_STRUCT << 24 | 2).putInt(VALUE_SIZE);
        b.putInt(FLAGS).putInt(KEY_TYPE_ID).putInt(0);                                     // name, type, bit offset
        b.putInt(RESERVED).putInt(KEY_TYPE_ID).putInt(32);
        b.put(strings);
        return b.array();
    }

    /** {@link #bytes} as lowercase hex: how a plan carries it to the launcher. */
    public static String hex() { return HexFormat.of().formatHex(bytes()); }
}
