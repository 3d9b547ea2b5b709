package org.vserver.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.vserver.launch.StatusKind;

/** launcher/protocol.h is the one home of the numbers; the Java enums must say the same. */
class ProtocolHeaderTest {
    static String header() throws IOException {
        return Files.readString(Path.of(System.getProperty("vserver.basedir", "."), "launcher/protocol.h"));
    }

    @Test
    void everyOpHasTheHeadersNumberAndSignature() throws IOException {
        Matcher m = Pattern.compile("VL_OP \\((\\d+), (\\w+), \"(\\w*)\"\\)").matcher(header());
        Map<String, String> c = new LinkedHashMap<>();
        while (m.find()) c.put(m.group(2), m.group(1) + " " + m.group(3));
        Map<String, String> java = new LinkedHashMap<>();
        for (Op op : Op.values()) java.put(op.name(), op.code() + " " + op.signature());
        assertEquals(c, java);
    }

    @Test
    void everyFieldTypeIsDocumentedInTheHeaderAndUsedSignaturesExist() throws IOException {
        String h = header();
        for (FieldType t : FieldType.values())
            assertTrue(h.contains("'" + t.code() + "' "), "protocol.h documents no field type '" + t.code() + "'");
        for (Op op : Op.values()) for (char c : op.signature().toCharArray()) FieldType.of(c);
    }

    @Test
    void syncIdsStatusKindsAndMagicMatch() throws IOException {
        String h = header();
        for (Sync s : Sync.values()) assertEquals(s.id(), define(h, "VL_SYNC_" + s.name()), s.name());
        for (StatusKind k : StatusKind.values()) assertEquals(k.code(), define(h, "VL_STATUS_" + k.name()), k.name());
        assertEquals(StatusKind.DETAIL_MAX, define(h, "VL_DETAIL_MAX"));
        assertEquals(PlanWriter.MAGIC, define(h, "VL_MAGIC"));
        assertEquals(PlanWriter.VERSION, define(h, "VL_VERSION"));
    }

    private static int define(String h, String name) {
        Matcher m = Pattern.compile("#define " + name + "\\s+(0x[0-9A-Fa-f]+|\\d+)").matcher(h);
        if (!m.find()) throw new AssertionError(name + " not defined in protocol.h");
        return (int) Long.decode(m.group(1)).longValue();
    }
}
