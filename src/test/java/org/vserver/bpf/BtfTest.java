package org.vserver.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BtfTest {
    /** A tiny BTF made by hand: the records as btf.rst lays them out. */
    static final class Blob {
        final ByteArrayOutputStream strings = new ByteArrayOutputStream();
        final ByteBuffer types = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        int next = 1;

        Blob() { strings.write(0); }

        int str(String s) {
            if (s.isEmpty()) return 0;
            int off = strings.size();
            strings.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            strings.write(0);
            return off;
        }

        int type(String name, int kind, int vlen, boolean kindFlag, int sizeOrType) {
            types.putInt(str(name)).putInt(kind << 24 | vlen | (kindFlag ? 1 << 31 : 0)).putInt(sizeOrType);
            return next++;
        }

        int integer(String name, int size) {
            int id = type(name, Btf.INT, 0, false, size);
            types.putInt(size * 8);
            return id;
        }

        /** members: name, type, bit offset triples. */
        int struct(String name, int kind, int size, Object... members) {
            int id = type(name, kind, members.length / 3, false, size);
            for (int i = 0; i < members.length; i += 3)
                types.putInt(str((String) members[i])).putInt((Integer) members[i + 1]).putInt((Integer) members[i + 2]);
            return id;
        }

        byte[] bytes() {
            byte[] s = strings.toByteArray();
            int typeLen = types.position();
            ByteBuffer out = ByteBuffer.allocate(24 + typeLen + s.length).order(ByteOrder.LITTLE_ENDIAN);
            out.putShort((short) Btf.MAGIC).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(s.length);
            out.put(types.array(), 0, typeLen).put(s);
            return out.array();
        }
    }

    /**
     * struct kn { int pad; u64 id; }; struct cg { struct css self; struct kn *kn; };
     * struct css { struct cg *cgroup; struct css *parent; };
     * struct sock { int a; union { int b; struct { int c; struct scd sk_cgrp_data; }; }; }; struct scd { struct cg *cgroup; };
     * FUNC bpf_lsm_hook; enum e { A = 7 }.
     */
    static Btf sample() {
        var b = new Blob();
        int intT = b.integer("int", 4);                           // 1
        int u64 = b.integer("unsigned long long", 8);             // 2
        int kn = b.struct("kernfs_node", Btf.STRUCT, 16, "pad", intT, 0, "id", u64, 64);   // 3
        int knPtr = b.type("", Btf.PTR, 0, false, kn);            // 4
        int cssFwd = 7, cgPtr = 6;
        int cg = b.struct("cgroup", Btf.STRUCT, 24, "self", cssFwd, 0, "kn", knPtr, 128);  // 5
        b.type("", Btf.PTR, 0, false, cg);                        // 6
        int cssPtr = 8;
        b.struct("cgroup_subsys_state", Btf.STRUCT, 16, "cgroup", cgPtr, 0, "parent", cssPtr, 64);   // 7
        b.type("", Btf.PTR, 0, false, 7);                         // 8
        int scd = b.struct("sock_cgroup_data", Btf.STRUCT, 8, "cgroup", cgPtr, 0);         // 9
        int scdConst = b.type("", Btf.CONST, 0, false, scd);      // 10
        int anonS = b.struct("", Btf.STRUCT, 16, "c", intT, 0, "sk_cgrp_data", scdConst, 64);   // 11
        int anonU = b.struct("", Btf.UNION, 16, "b", intT, 0, "", anonS, 0);               // 12
        b.struct("sock", Btf.STRUCT, 24, "a", intT, 0, "", anonU, 64);                      // 13
        int proto = b.type("", Btf.FUNC_PROTO, 1, false, intT);  // 14
        b.types.putInt(0).putInt(intT);
        b.type("bpf_lsm_hook", Btf.FUNC, 0, false, proto);       // 15
        b.type("e", Btf.ENUM, 1, false, 4);                       // 16
        b.types.putInt(b.str("A")).putInt(7);
        return Btf.parse(b.bytes());
    }

    @Test
    void findsAFunctionById() {
        Btf btf = sample();
        assertEquals(16 + 1, btf.size());
        assertEquals(Optional.of(15), btf.func("bpf_lsm_hook"));
        assertEquals(Optional.empty(), btf.func("bpf_lsm_other"));
        assertEquals(Optional.of(7L), btf.enumValue("e", "A"));
    }

    @Test
    void memberPathsAddUpThroughAnonymousMembersAndModifiers() {
        Btf btf = sample();
        assertEquals(8, btf.offset("kernfs_node", "id"));
        assertEquals(16, btf.offset("cgroup", "kn"));
        assertEquals(8, btf.offset("cgroup", "self.parent"));
        assertEquals(16, btf.offset("sock", "sk_cgrp_data"));               // 8 (union) + 8 (anonymous struct)
        assertEquals(16, btf.offset("sock", "sk_cgrp_data.cgroup"));        // through a const
        assertTrue(btf.has("sock", "a"));
        assertFalse(btf.has("sock", "missing"));
    }

    @Test
    void aMissingStructOrMemberIsNamed() {
        Btf btf = sample();
        var e = assertThrows(IllegalArgumentException.class, () -> btf.offset("sock", "sk_cgrp_data.nothing"));
        assertTrue(e.getMessage().contains("struct sock has no member sk_cgrp_data.nothing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> btf.offset("unix_sock", "addr"));
    }

    @Test
    void aBlobThatIsNotBtfIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Btf.parse(new byte[24]));
        byte[] cut = new Blob().bytes();
        ByteBuffer.wrap(cut).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 4096);    // type_len past the end
        assertThrows(IllegalArgumentException.class, () -> Btf.parse(cut));
    }

    /** The running kernel's BTF, where there is one: the names the unix socket programs use. */
    @Test
    void readsThisKernel() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Btf.VMLINUX), "no " + Btf.VMLINUX + " (kernel without CONFIG_DEBUG_INFO_BTF)");
        Btf btf = Btf.vmlinux();
        assertTrue(btf.func("bpf_lsm_unix_stream_connect").isPresent());
        assertTrue(btf.offset("cgroup", "kn") > 0);
        assertEquals(Optional.of((long) Bpf.FUNC_SKC_TO_UNIX_SOCK), btf.enumValue("bpf_func_id", "BPF_FUNC_skc_to_unix_sock"));
        assertEquals(Optional.of((long) Bpf.FUNC_SET_RETVAL), btf.enumValue("bpf_func_id", "BPF_FUNC_set_retval"));
        assertEquals(Optional.of((long) Bpf.LSM_CGROUP), btf.enumValue("bpf_attach_type", "BPF_LSM_CGROUP"));
        assertEquals(Optional.of((long) Bpf.PROG_TYPE_LSM), btf.enumValue("bpf_prog_type", "BPF_PROG_TYPE_LSM"));
    }
}
