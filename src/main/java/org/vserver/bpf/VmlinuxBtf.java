package org.vserver.bpf;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The running kernel's own BPF Type Format, {@code /sys/kernel/btf/vmlinux} (raw BTF,
 * Documentation/bpf/btf.rst): the layout of its structs, which the verifier checks a program's
 * loads through a BTF pointer against. A program that reads a kernel struct (the bind hook reads
 * {@code skc_ipv6only} of the socket through {@code bpf_skc_to_tcp6_sock}) must take the offset
 * from here, not from a header: it differs between kernel versions and configurations.
 *
 * <p>The blob: a header (magic 0xeB9F, version, flags, hdr_len, then the type and string
 * sections' offsets and lengths, relative to the header's end), the types one after another, each
 * a {@code struct btf_type} of 12 bytes (name_off, info: kind in bits 24-28, kind_flag in bit 31,
 * vlen in 0-15; size or type) and as many bytes after it as its kind says, then the NUL-terminated
 * names. Type ids count from 1 in that order (0 is void). Only the types are indexed here, once:
 * the names are compared in place.
 */
public final class VmlinuxBtf {
    /** Where the kernel exports it (CONFIG_DEBUG_INFO_BTF). */
    public static final Path PATH = Path.of("/sys/kernel/btf/vmlinux");

    private static final int MAGIC = 0xeb9f, HEADER_MIN = 24, TYPE_SIZE = 12;
    static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8, VOLATILE = 9,
            CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15, FLOAT = 16, DECL_TAG = 17,
            TYPE_TAG = 18, ENUM64 = 19;

    /** {@link #ipv6onlyBit()}'s answer, once asked. */
    private static volatile Integer ipv6onlyBit;

    private final ByteBuffer b;
    private final int types, typesEnd, strings, stringsEnd;
    /** Where type id {@code i + 1} starts in {@link #b}. */
    private final int[] start;

    private VmlinuxBtf(ByteBuffer b, int types, int typesEnd, int strings, int stringsEnd, int[] start) {
        this.b = b;
        this.types = types;
        this.typesEnd = typesEnd;
        this.strings = strings;
        this.stringsEnd = stringsEnd;
        this.start = start;
    }

    /** The kernel's BTF, read once (about 5 MB; sysfs gives its real size). */
    public static VmlinuxBtf read(Path path) throws IOException {
        return parse(Files.readAllBytes(path));
    }

    /**
     * Indexes a raw BTF blob of either byte order.
     *
     * @throws IllegalArgumentException if it is not BTF, is cut short, or has a kind this reader
     *         does not know (it could not tell where the next type starts)
     */
    public static VmlinuxBtf parse(byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if ((b.getShort(0) & 0xffff) != MAGIC) {
                b.order(ByteOrder.BIG_ENDIAN);
                if ((b.getShort(0) & 0xffff) != MAGIC) throw new IllegalArgumentException("not BTF: no magic 0xeB9F");
            }
            int hdrLen = b.getInt(4);
            if (hdrLen < HEADER_MIN || hdrLen > blob.length) throw new IllegalArgumentException("BTF header length " + hdrLen);
            int typeOff = b.getInt(8), typeLen = b.getInt(12), strOff = b.getInt(16), strLen = b.getInt(20);
            int types = section(hdrLen, typeOff, typeLen, blob.length, "type");
            int strings = section(hdrLen, strOff, strLen, blob.length, "string");
            int[] start = new int[1 << 16];
            int n = 0;
            for (int at = types, end = types + typeLen; at < end; n++) {
                if (n == start.length) start = Arrays.copyOf(start, n * 2);
                start[n] = at;
                if (at + TYPE_SIZE > end) throw new IllegalArgumentException("BTF type " + (n + 1) + " cut short");
                int info = b.getInt(at + 4);
                at += TYPE_SIZE + trailing(kind(info), vlen(info), n + 1);
                if (at > end) throw new IllegalArgumentException("BTF type " + (n + 1) + " runs past the type section");
            }
            return new VmlinuxBtf(b, types, types + typeLen, strings, strings + strLen, Arrays.copyOf(start, n));
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new IllegalArgumentException("BTF cut short", e);
        }
    }

    private static int section(int hdrLen, int off, int len, int size, String what) {
        long from = (long) hdrLen + Integer.toUnsignedLong(off), to = from + Integer.toUnsignedLong(len);
        if (to > size) throw new IllegalArgumentException("the BTF " + what + " section runs past the end (" + to + " > " + size + ")");
        return (int) from;
    }

    /** The bytes after a {@code struct btf_type} of {@code kind}, by the kernel's btf_type_size(). */
    static int trailing(int kind, int vlen, int id) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;                                // encoding; linkage; component_idx
            case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> 0;
            case ARRAY -> 12;                                            // struct btf_array
            case STRUCT, UNION, DATASEC, ENUM64 -> 12 * vlen;            // btf_member, btf_var_secinfo, btf_enum64
            case ENUM, FUNC_PROTO -> 8 * vlen;                           // btf_enum, btf_param
            default -> throw new IllegalArgumentException("BTF type " + id + " has kind " + kind + ", which this reader does not know");
        };
    }

    private static int kind(int info) { return info >>> 24 & 0x1f; }

    private static int vlen(int info) { return info & 0xffff; }

    private static boolean kflag(int info) { return info < 0; }

    /** The number of types (the highest id). */
    public int count() { return start.length; }

    /**
     * The offset in bits of {@code member} from the start of the struct named {@code struct}
     * (the first with members; a bitfield's own bit offset, as the kernel lays it out), looking
     * into anonymous struct and union members as C does; -1 if there is no such struct or member.
     */
    public int memberBitOffset(String struct, String member) {
        byte[] structName = struct.getBytes(StandardCharsets.US_ASCII), memberName = member.getBytes(StandardCharsets.US_ASCII);
        for (int at : start) {
            int info = b.getInt(at + 4);
            if (kind(info) != STRUCT || vlen(info) == 0 || !named(b.getInt(at), structName)) continue;
            return find(at, memberName, 0);
        }
        return -1;
    }

    /** {@code member} in the struct or union at {@code at}, whose depth of anonymous nesting is {@code depth}. */
    private int find(int at, byte[] member, int depth) {
        int info = b.getInt(at + 4);
        int kind = kind(info);
        if ((kind != STRUCT && kind != UNION) || depth > 32) return -1;
        for (int i = 0, m = at + TYPE_SIZE; i < vlen(info); i++, m += 12) {
            int nameOff = b.getInt(m), type = b.getInt(m + 4), off = b.getInt(m + 8);
            int bits = kflag(info) ? off & 0xffffff : off;               // kind_flag: bitfield size in the top 8 bits
            if (nameOff == 0) {                                          // an anonymous struct or union: its members are ours
                int inner = type >= 1 && type <= start.length ? find(start[type - 1], member, depth + 1) : -1;
                if (inner >= 0) return bits + inner;
            } else if (named(nameOff, member)) {
                return bits;
            }
        }
        return -1;
    }

    /** Whether the name at {@code nameOff} is {@code name}. */
    private boolean named(int nameOff, byte[] name) {
        long at = strings + Integer.toUnsignedLong(nameOff);
        if (at + name.length >= stringsEnd) return false;
        for (int i = 0; i < name.length; i++) if (b.get((int) at + i) != name[i]) return false;
        return b.get((int) at + name.length) == 0;
    }

    /**
     * The bit of {@code skc_ipv6only} (IPV6_V6ONLY) in the running kernel's {@code struct
     * sock_common}, which is where every socket struct begins ({@code struct sock}'s first member,
     * and so {@code tcp6_sock}'s and {@code udp6_sock}'s); -1 if the kernel has no BTF or no such
     * member, or BTF this reader cannot walk (a kind newer than it): the caller then does without.
     *
     * Reading the file costs some 30-60 ms (the kernel renders it on each read), so the answer is
     * kept for the life of the process: the running kernel does not change.
     *
     * @throws IOException if the file exists but cannot be read
     */
    public static int ipv6onlyBit() throws IOException {
        Integer bit = ipv6onlyBit;
        if (bit == null) {
            try {
                bit = read(PATH).memberBitOffset("sock_common", "skc_ipv6only");
            } catch (NoSuchFileException | IllegalArgumentException e) {
                bit = -1;
            }
            ipv6onlyBit = bit;
        }
        return bit;
    }


    @Override public String toString() {
        return "BTF of " + start.length + " types, " + (typesEnd - types) + " + " + (stringsEnd - strings) + " bytes";
    }
}
