package org.vserver.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The blob as the kernel's BTF checker reads it; SteeringHostTest loads it and makes the map. */
class BtfTest {
    @Test void headerTypesAndStrings() {
        byte[] blob = Btf.bytes();
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xeb9f, b.getShort(0) & 0xffff, "magic");
        assertEquals(1, b.get(2), "version");
        assertEquals(24, b.getInt(4), "hdr_len");
        int typeOff = b.getInt(8), typeLen = b.getInt(12), strOff = b.getInt(16), strLen = b.getInt(20);
        assertEquals(0, typeOff);
        assertEquals(16 + 12 + 24, typeLen, "INT (16) and a STRUCT of two members (12 + 2 * 12)");
        assertEquals(typeLen, strOff);
        assertEquals(24 + strOff + strLen, blob.length);
        int types = 24, strings = 24 + strOff;
        assertEquals("int", string(blob, strings + b.getInt(types)));
        assertEquals(1 << 24, b.getInt(types + 4), "kind INT");
        assertEquals(4, b.getInt(types + 8));
        assertEquals(1 << 24 | 32, b.getInt(types + 12), "signed, 32 bits");
        int struct = types + 16;
        assertEquals("vserver_sk", string(blob, strings + b.getInt(struct)));
        assertEquals(4 << 24 | 2, b.getInt(struct + 4), "kind STRUCT, two members");
        assertEquals(Btf.VALUE_SIZE, b.getInt(struct + 8));
        assertEquals("flags", string(blob, strings + b.getInt(struct + 12)));
        assertEquals(Btf.KEY_TYPE_ID, b.getInt(struct + 16));
        assertEquals(0, b.getInt(struct + 20));
        assertEquals("reserved", string(blob, strings + b.getInt(struct + 24)));
        assertEquals(32, b.getInt(struct + 32), "bit offset");
        assertEquals(0, blob[strings], "string 0 is the empty name");
        assertEquals(0, blob[blob.length - 1], "the last string ends");
        assertEquals(1, Btf.KEY_TYPE_ID);
        assertEquals(2, Btf.VALUE_TYPE_ID);
        assertArrayEquals(blob, HexFormat.of().parseHex(Btf.hex()));
    }

    private static String string(byte[] blob, int at) {
        int end = at;
        while (blob[end] != 0) end++;
        return new String(blob, at, end - at, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
