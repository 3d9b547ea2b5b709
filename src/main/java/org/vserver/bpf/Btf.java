package org.vserver.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Just enough of a BTF reader (Documentation/bpf/btf.rst) to aim programs at kernel structures:
 * the id of a FUNC by name (an LSM hook's {@code attach_btf_id}) and the byte offset of a member
 * path in a STRUCT ({@code sock.sk_cgrp_data.cgroup}), read from the kernel's own description
 * ({@code /sys/kernel/btf/vmlinux}) so no offset is compiled in. Layout: a header
 * {@code {u16 magic 0xeB9F, u8 version, u8 flags, u32 hdr_len, u32 type_off, u32 type_len,
 * u32 str_off, u32 str_len}}, then the type section (records of 12 bytes plus kind-specific data;
 * ids count from 1, 0 is void) and the string section (NUL-terminated names at offsets).
 */
public final class Btf {
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    static final int MAGIC = 0xeB9F;
    /** BTF kinds (BTF_KIND_*). */
    static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8, VOLATILE = 9, CONST = 10,
            RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15, FLOAT = 16, DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19;

    /** One type record: its kind, name (string offset), vlen, kind_flag, size-or-type, and where its extra data starts. */
    private record Type(int kind, int nameOff, int vlen, boolean kindFlag, int sizeOrType, int data) {}

    private final ByteBuffer b;
    private final int strings;
    private final int stringsLen;
    private final List<Type> types = new ArrayList<>();   // index 0 is void

    private Btf(ByteBuffer b) {
        this.b = b;
        if (b.remaining() < 24) throw new IllegalArgumentException("BTF of " + b.remaining() + " bytes has no header");
        int magic = Short.toUnsignedInt(b.getShort(0));
        if (magic != MAGIC) throw new IllegalArgumentException(String.format("BTF magic 0x%x, expected 0x%x (a big-endian BTF?)", magic, MAGIC));
        int hdrLen = b.getInt(4), typeOff = b.getInt(8), typeLen = b.getInt(12), strOff = b.getInt(16), strLen = b.getInt(20);
        strings = hdrLen + strOff;
        stringsLen = strLen;
        if (hdrLen < 24 || (long) hdrLen + typeOff + typeLen > b.limit() || (long) strings + strLen > b.limit())
            throw new IllegalArgumentException("BTF sections outside its " + b.limit() + " bytes");
        types.add(new Type(0, 0, 0, false, 0, 0));
        int p = hdrLen + typeOff, end = p + typeLen;
        while (p < end) {
            int nameOff = b.getInt(p), info = b.getInt(p + 4), sizeOrType = b.getInt(p + 8);
            int kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
            int data = p + 12;
            if (nameOff < 0 || nameOff >= stringsLen) throw new IllegalArgumentException("BTF string offset " + nameOff + " outside the string section");
            types.add(new Type(kind, nameOff, vlen, info < 0, sizeOrType, data));
            p = data + extra(kind, vlen);
        }
        if (p != end) throw new IllegalArgumentException("BTF type section ends inside a type record");
    }

    /** Bytes of kind-specific data after a type's 12-byte record. */
    private static int extra(int kind, int vlen) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION -> 12 * vlen;
            case ENUM, FUNC_PROTO -> 8 * vlen;
            case DATASEC, ENUM64 -> 12 * vlen;
            case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> 0;
            default -> throw new IllegalArgumentException("BTF kind " + kind + " unknown to this reader");
        };
    }

    /** Parses a BTF blob (little endian, as on x86_64). */
    public static Btf parse(byte[] blob) {
        return new Btf(ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** The running kernel's BTF. */
    public static Btf vmlinux() throws IOException {
        return read(VMLINUX);
    }

    public static Btf read(Path file) throws IOException {
        try {
            return parse(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IOException("`" + file + "`: " + e.getMessage());
        }
    }

    private String string(int off) {
        if (off < 0 || off >= stringsLen) throw new IllegalArgumentException("BTF string offset " + off + " outside the string section");
        int start = strings + off, end = start;
        while (end < strings + stringsLen && b.get(end) != 0) end++;
        byte[] s = new byte[end - start];
        b.get(start, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    /** True if the string at {@code off} is {@code name} (compared in place: a kernel's BTF has some 100,000 names). */
    private boolean named(int off, String name) {
        int p = strings + off, n = name.length();
        if (p + n >= strings + stringsLen) return false;
        for (int i = 0; i < n; i++) if (b.get(p + i) != (byte) name.charAt(i)) return false;
        return b.get(p + n) == 0;
    }

    /** The id of the FUNC named {@code name} (an LSM hook is {@code bpf_lsm_<hook>}). */
    public Optional<Integer> func(String name) {
        for (int id = 1; id < types.size(); id++)
            if (types.get(id).kind == FUNC && named(types.get(id).nameOff, name)) return Optional.of(id);
        return Optional.empty();
    }

    /** The value of {@code name} in the enum named {@code enumName} (e.g. {@code bpf_func_id}). */
    public Optional<Long> enumValue(String enumName, String name) {
        for (Type t : types) {
            if (t.kind != ENUM || !named(t.nameOff, enumName)) continue;
            for (int i = 0; i < t.vlen; i++)
                if (named(b.getInt(t.data + 8 * i), name)) return Optional.of((long) b.getInt(t.data + 8 * i + 4));
        }
        return Optional.empty();
    }

    /**
     * The byte offset of {@code path} ({@code "sk_cgrp_data.cgroup"}) in the struct named
     * {@code struct}, members of anonymous structs and unions included as C sees them.
     *
     * @throws IllegalArgumentException naming the struct or member the kernel does not have
     */
    public int offset(String struct, String path) {
        int id = structNamed(struct);
        int off = 0;
        for (String member : path.split("\\.")) {
            int[] found = member(id, member);
            if (found == null) throw new IllegalArgumentException("the kernel's struct " + struct + " has no member " + path
                    + " (BTF of a kernel this version of vserver does not know)");
            off += found[0];
            id = resolve(found[1]);
        }
        return off;
    }

    /** True if {@code struct} has {@code path} ({@link #offset} would not throw). */
    public boolean has(String struct, String path) {
        try {
            offset(struct, path);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private int structNamed(String name) {
        for (int id = 1; id < types.size(); id++) {
            Type t = types.get(id);
            if ((t.kind == STRUCT || t.kind == UNION) && named(t.nameOff, name)) return id;
        }
        throw new IllegalArgumentException("the kernel's BTF has no struct " + name);
    }

    /** {byte offset, type id} of {@code name} in the struct or union {@code id}, looking into anonymous members; null if absent. */
    private int[] member(int id, String name) {
        Type t = types.get(id);
        if (t.kind != STRUCT && t.kind != UNION) return null;
        for (int i = 0; i < t.vlen; i++) {
            int m = t.data + 12 * i;
            String mName = string(b.getInt(m));
            int mType = b.getInt(m + 4), bits = b.getInt(m + 8);
            int bitOff = t.kindFlag ? bits & 0xffffff : bits;               // kind_flag: bitfield size in the top byte
            if (mName.equals(name)) {
                if (bitOff % 8 != 0) throw new IllegalArgumentException("member " + name + " of struct " + string(t.nameOff) + " is a bitfield");
                return new int[] {bitOff / 8, mType};
            }
            if (mName.isEmpty()) {
                int[] inner = member(resolve(mType), name);
                if (inner != null) return new int[] {bitOff / 8 + inner[0], inner[1]};
            }
        }
        return null;
    }

    /** Skips typedef, const, volatile, restrict and type tags. */
    private int resolve(int id) {
        for (int hops = 0; hops < 32; hops++) {
            Type t = types.get(id);
            if (t.kind != TYPEDEF && t.kind != VOLATILE && t.kind != CONST && t.kind != RESTRICT && t.kind != TYPE_TAG) return id;
            id = t.sizeOrType;
        }
        throw new IllegalArgumentException("BTF modifier chain too long at type " + id);
    }

    /** The number of types, void included (for tests). */
    int size() {
        return types.size();
    }
}
