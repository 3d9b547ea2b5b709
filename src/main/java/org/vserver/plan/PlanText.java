package org.vserver.plan;

import org.vserver.bpf.ClassicProgram;
import org.vserver.bpf.EbpfProgram;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Capability;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The text form of a plan: what {@code vserver debug plan} prints and what the launcher's
 * {@code --dry-run} prints from the binary. Both must agree byte for byte (PlanTextAgreementTest).
 *
 * <pre>
 * plan v1: 3 steps
 *   0 CLOSE_FROM 5
 *   1 MOUNT - "/" - REC|PRIVATE -
 *   2 EXEC "/sbin/init" [ "/sbin/init" ] [ "PATH=/bin" ]
 * </pre>
 */
public final class PlanText {
    private PlanText() {}

    public static String render(Plan plan) {
        var sb = new StringBuilder();
        sb.append("plan v").append(PlanWriter.VERSION).append(": ").append(plan.steps().size()).append(" steps\n");
        int i = 0;
        for (Step step : plan.steps()) sb.append(line(i++, step)).append('\n');
        return sb.toString();
    }

    public static String line(int index, Step step) {
        var sb = new StringBuilder(String.format(Locale.ROOT, "%3d %s", index, step.op().name())); // ASCII digits in any locale
        String sig = step.op().signature();
        List<Object> fields = step.fields();
        for (int f = 0; f < sig.length(); f++) sb.append(' ').append(field(FieldType.of(sig.charAt(f)), fields.get(f)));
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    static String field(FieldType type, Object v) {
        return switch (type) {
            case INT -> Integer.toString((Integer) v);
            case MODE -> (Integer) v == 0 ? "0" : "0" + Integer.toOctalString((Integer) v);
            case U64 -> (Long) v == -1L ? "inf" : Long.toUnsignedString((Long) v);
            case MOUNT_FLAGS -> mountFlags((Long) v);
            case NS_FLAGS -> nsFlags((Long) v);
            case CAPS -> caps((Long) v);
            case STRING -> v == null ? "-" : quote((String) v);
            case STRINGS -> {
                var sj = new StringJoiner(" ", "[ ", " ]").setEmptyValue("[ ]");
                for (String s : (List<String>) v) sj.add(quote(s));
                yield sj.toString();
            }
            case FILTER -> filter((ClassicProgram) v);
            case EBPF -> String.format(Locale.ROOT, "ebpf[%d insns fnv1a %016x]", ((EbpfProgram) v).insns().size(),
                    ((EbpfProgram) v).fnv1a());
            case INTS -> {
                var sj = new StringJoiner(" ", "[ ", " ]").setEmptyValue("[ ]");
                for (int n : (List<Integer>) v) sj.add(Integer.toString(n));
                yield sj.toString();
            }
        };
    }

    /** A program is too long to print: {@code bpf[N insns fnv1a HASH]}, the hash over its bytes. */
    static String filter(ClassicProgram p) {
        return String.format(Locale.ROOT, "bpf[%d insns fnv1a %016x]", p.insns().size(), p.fnv1a());
    }

    static String mountFlags(long bits) {
        List<String> names = new ArrayList<>();
        long rest = bits;
        for (MountFlag f : MountFlag.values())
            if ((bits & f.bit()) != 0) {
                names.add(f.name());
                rest &= ~f.bit();
            }
        return flagsText(names, rest, "|", "0");
    }

    static String nsFlags(long bits) {
        List<String> names = new ArrayList<>();
        long rest = bits;
        for (Namespace n : Namespace.values())
            if ((bits & n.flag()) != 0) {
                names.add(n.flagName());
                rest &= ~n.flag();
            }
        return flagsText(names, rest, "|", "0");
    }

    static String caps(long bits) {
        List<String> names = new ArrayList<>();
        long rest = bits;
        for (Capability c : Capability.values())
            if ((bits & c.bit()) != 0) {
                names.add(c.lowerName());
                rest &= ~c.bit();
            }
        return flagsText(names, rest, ",", "none");
    }

    private static String flagsText(List<String> names, long rest, String sep, String empty) {
        if (rest != 0) names.add("0x" + Long.toHexString(rest));
        return names.isEmpty() ? empty : String.join(sep, names);
    }

    /** Quotes as C would print bytes: printable ASCII as is, {@code \\ \"} escaped, the rest as \xhh. */
    static String quote(String s) {
        var sb = new StringBuilder("\"");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '"' || c == '\\') sb.append('\\').append((char) c);
            else if (c < 0x20 || c >= 0x7f) sb.append(String.format(Locale.ROOT, "\\x%02x", c));
            else sb.append((char) c);
        }
        return sb.append('"').toString();
    }
}
