package org.vserver.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.vserver.bpf.ClassicProgram;
import org.vserver.bpf.EbpfProgram;

/** Serializes a {@link Plan} in the wire format of launcher/protocol.h. */
public final class PlanWriter {
    public static final int MAGIC = 0x4C505356;
    public static final int VERSION = 1;
    static final int HEADER_SIZE = 16;
    static final int RECORD_HEADER_SIZE = 8;
    static final int NULL_STRING = -1;

    private PlanWriter() {}

    public static byte[] write(Plan plan) {
        var records = new ByteArrayOutputStream();
        for (Step step : plan.steps()) records.writeBytes(record(step));
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.nativeOrder());
        header.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0)
                .putInt(HEADER_SIZE + records.size()).putInt(plan.steps().size());
        var out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(records.toByteArray());
        return out.toByteArray();
    }

    private static byte[] record(Step step) {
        var payload = new ByteArrayOutputStream();
        String sig = step.op().signature();
        List<Object> fields = step.fields();
        if (fields.size() != sig.length())
            throw new IllegalStateException(step.op() + ": " + fields.size() + " fields for signature \"" + sig + "\"");
        for (int i = 0; i < sig.length(); i++) field(payload, FieldType.of(sig.charAt(i)), fields.get(i), step);
        int len = RECORD_HEADER_SIZE + payload.size();
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) step.op().code()).putShort((short) 0).put(payload.toByteArray());
        return b.array();
    }

    @SuppressWarnings("unchecked")
    private static void field(ByteArrayOutputStream out, FieldType type, Object value, Step step) {
        switch (type) {
            case INT, MODE -> out.writeBytes(le(4).putInt((Integer) value).array());
            case U64, MOUNT_FLAGS, NS_FLAGS, CAPS -> out.writeBytes(le(8).putLong((Long) value).array());
            case STRING -> {
                if (value == null) {
                    out.writeBytes(le(4).putInt(NULL_STRING).array());
                } else {
                    byte[] s = bytes((String) value, step);
                    out.writeBytes(le(4).putInt(s.length).array());
                    out.writeBytes(s);
                    out.write(0);
                    pad(out, s.length + 1);
                }
            }
            case STRINGS -> {
                List<String> list = (List<String>) value;
                var block = new ByteArrayOutputStream();
                for (String s : list) {
                    block.writeBytes(bytes(s, step));
                    block.write(0);
                }
                out.writeBytes(le(8).putInt(list.size()).putInt(block.size()).array());
                out.writeBytes(block.toByteArray());
                pad(out, block.size());
            }
            case FILTER -> {
                var program = (ClassicProgram) value;
                out.writeBytes(le(4).putInt(program.insns().size()).array());
                out.writeBytes(program.bytes());
            }
            case EBPF -> {
                var program = (EbpfProgram) value;
                out.writeBytes(le(4).putInt(program.insns().size()).array());
                out.writeBytes(program.bytes());
            }
            case INTS -> {
                List<Integer> list = (List<Integer>) value;
                out.writeBytes(le(4).putInt(list.size()).array());
                for (int v : list) out.writeBytes(le(4).putInt(v).array());
            }
        }
    }

    private static byte[] bytes(String s, Step step) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (byte c : b)
            if (c == 0) throw new IllegalArgumentException(step.op() + ": string contains NUL: " + s);
        return b;
    }

    private static void pad(ByteArrayOutputStream out, int written) {
        for (int i = written; i % 4 != 0; i++) out.write(0);
    }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.nativeOrder()); }
}
