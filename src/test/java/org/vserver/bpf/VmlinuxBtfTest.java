package org.vserver.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The reader on blobs built here, one type of every kind (so a wrong trailing size shifts every
 * type after it and the struct is not found), and on this kernel's own file if it has one.
 */
class VmlinuxBtfTest {
    /** Writes raw BTF: names are added as used, types in id order. */
    static final class Writer {
        private final ByteArrayOutputStream strings = new ByteArrayOutputStream(), types = new ByteArrayOutputStream();
        private final ByteOrder order;
        int count;

        Writer(ByteOrder order) {
            this.order = order;
            strings.write(0);
        }

        int name(String s) {
            if (s.isEmpty()) return 0;
            int at = strings.size();
            strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            strings.write(0);
            return at;
        }

        /** A type: its id. {@code words}: what follows the 12-byte struct btf_type. */
        int type(String name, int kind, boolean kflag, int vlen, int sizeOrType, int... words) {
            ByteBuffer b = ByteBuffer.allocate(12 + 4 * words.length).order(order);
            b.putInt(name(name)).putInt((kflag ? 1 << 31 : 0) | kind << 24 | vlen).putInt(sizeOrType);
            for (int w : words) b.putInt(w);
            types.writeBytes(b.array());
            return ++count;
        }

        /** A struct or union of {@code members}: {name, type id, offset} each. */
        int struct(int kind, String name, boolean kflag, int size, Object... members) {
            int[] words = new int[members.length];
            for (int i = 0; i < members.length; i += 3) {
                words[i] = name((String) members[i]);
                words[i + 1] = (Integer) members[i + 1];
                words[i + 2] = (Integer) members[i + 2];
            }
            return type(name, kind, kflag, members.length / 3, size, words);
        }

        byte[] blob() {
            byte[] t = types.toByteArray(), s = strings.toByteArray();
            ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(order);
            b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
            return b.put(t).put(s).array();
        }
    }

    /**
     * Every kind, then {@code struct sock_common} as this kernel has it around the bitfield (kind_flag:
     * the bitfield size in the top byte of the offset), with skc_family inside an anonymous union.
     */
    static byte[] kernelLike(ByteOrder order) {
        var w = new Writer(order);
        int u8 = w.type("unsigned char", VmlinuxBtf.INT, false, 0, 1, 8);
        int u16 = w.type("short unsigned int", VmlinuxBtf.INT, false, 0, 2, 16);
        int ptr = w.type("", VmlinuxBtf.PTR, false, 0, u8);
        w.type("", VmlinuxBtf.ARRAY, false, 0, 0, u8, u16, 16);
        w.type("e", VmlinuxBtf.ENUM, false, 2, 4, w.name("A"), 0, w.name("B"), 1);
        w.type("sock_common", VmlinuxBtf.FWD, false, 0, 0);                      // a forward declaration of the same name
        w.type("u8", VmlinuxBtf.TYPEDEF, false, 0, u8);
        w.type("", VmlinuxBtf.VOLATILE, false, 0, u8);
        w.type("", VmlinuxBtf.CONST, false, 0, u8);
        w.type("", VmlinuxBtf.RESTRICT, false, 0, ptr);
        int proto = w.type("", VmlinuxBtf.FUNC_PROTO, false, 2, u8, w.name("a"), u8, w.name("b"), ptr);
        w.type("f", VmlinuxBtf.FUNC, false, 1, proto);
        int var = w.type("v", VmlinuxBtf.VAR, false, 0, u8, 1);
        w.type(".data", VmlinuxBtf.DATASEC, false, 1, 4, var, 0, 1);
        w.type("double", VmlinuxBtf.FLOAT, false, 0, 8);
        w.type("tag", VmlinuxBtf.DECL_TAG, false, 0, var, -1);
        w.type("user", VmlinuxBtf.TYPE_TAG, false, 0, ptr);
        w.type("e64", VmlinuxBtf.ENUM64, false, 2, 8, w.name("X"), 1, 0, w.name("Y"), 2, 1);
        w.struct(VmlinuxBtf.STRUCT, "sock_common", false, 0);                   // an empty one of the same name: skipped
        int anon = w.struct(VmlinuxBtf.STRUCT, "", false, 4, "skc_family", u16, 0, "skc_state", u8, 16);
        int union = w.struct(VmlinuxBtf.UNION, "", false, 4, "", anon, 0, "skc_other", u16, 0);
        w.struct(VmlinuxBtf.STRUCT, "sock_common", true, 136, "skc_addrpair", u16, 0, "", union, 128,
                "skc_reuse", u8, 4 << 24 | 152, "skc_reuseport", u8, 1 << 24 | 156, "skc_ipv6only", u8, 1 << 24 | 157,
                "skc_net_refcnt", u8, 1 << 24 | 158);
        w.struct(VmlinuxBtf.STRUCT, "plain", false, 8, "a", u16, 0, "b", u16, 48);
        return w.blob();
    }

    @Test void findsABitfieldAfterTypesOfEveryKind() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            var btf = VmlinuxBtf.parse(kernelLike(order));
            assertEquals(23, btf.count(), order.toString());
            assertEquals(157, btf.memberBitOffset("sock_common", "skc_ipv6only"), "kind_flag: the low 24 bits, " + order);
            assertEquals(152, btf.memberBitOffset("sock_common", "skc_reuse"));
            assertEquals(128, btf.memberBitOffset("sock_common", "skc_family"), "through the anonymous union and struct");
            assertEquals(144, btf.memberBitOffset("sock_common", "skc_state"));
            assertEquals(128, btf.memberBitOffset("sock_common", "skc_other"));
            assertEquals(48, btf.memberBitOffset("plain", "b"), "without kind_flag the offset is all bits");
            assertEquals(-1, btf.memberBitOffset("sock_common", "skc_ipv6"), "a prefix of a name is not the name");
            assertEquals(-1, btf.memberBitOffset("sock_common", "skc_ipv6only_"));
            assertEquals(-1, btf.memberBitOffset("sock", "skc_ipv6only"));
            assertEquals(-1, btf.memberBitOffset("e", "A"), "an enum is not a struct");
        }
    }

    @Test void refusesWhatItCannotWalk() {
        byte[] good = kernelLike(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = good.clone();
        magic[0] = 0;
        assertThrows(IllegalArgumentException.class, () -> VmlinuxBtf.parse(magic));
        assertThrows(IllegalArgumentException.class, () -> VmlinuxBtf.parse(Arrays.copyOf(good, good.length - 1)), "cut short");
        assertThrows(IllegalArgumentException.class, () -> VmlinuxBtf.parse(new byte[3]));
        var w = new Writer(ByteOrder.LITTLE_ENDIAN);
        w.type("int", VmlinuxBtf.INT, false, 0, 4, 32);
        w.type("new", 20, false, 0, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> VmlinuxBtf.parse(w.blob()));
        assertTrue(e.getMessage().contains("type 2 has kind 20"), e.getMessage());
        ByteBuffer lying = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        lying.putInt(12, lying.getInt(12) - 4);                          // the type section ends inside the last struct
        assertThrows(IllegalArgumentException.class, () -> VmlinuxBtf.parse(lying.array()));
    }

    /** This kernel's file: found, inside the bytes a one-byte load reaches, and fast enough for plan time. */
    @Test void theRunningKernel() throws Exception {
        if (!Files.isReadable(VmlinuxBtf.PATH)) {
            System.out.println("no " + VmlinuxBtf.PATH + ": skipped");
            return;
        }
        VmlinuxBtf.read(VmlinuxBtf.PATH);                               // warm up the classes and the page cache
        long t0 = System.nanoTime();
        var btf = VmlinuxBtf.read(VmlinuxBtf.PATH);
        long t1 = System.nanoTime();
        int bit = btf.memberBitOffset("sock_common", "skc_ipv6only");
        long t2 = System.nanoTime();
        System.out.printf("%s: skc_ipv6only at bit %d (byte %d, mask 0x%02x); read and indexed in %.1f ms, found in %.1f ms; %s%n",
                VmlinuxBtf.PATH, bit, bit / 8, 1 << bit % 8, (t1 - t0) / 1e6, (t2 - t1) / 1e6, btf);
        assertTrue(bit >= 0, "skc_ipv6only not found in struct sock_common");
        assertTrue(bit / 8 < 64, "sock_common's bitfields lie in its first bytes: " + bit);
        assertEquals(bit, VmlinuxBtf.ipv6onlyBit());
        assertTrue(btf.memberBitOffset("sock_common", "skc_family") >= 0);
    }
}
