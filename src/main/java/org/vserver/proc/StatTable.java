package org.vserver.proc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.vserver.state.Xid;

/**
 * vserver-stat's table, column for column as util-vserver prints it:
 * <pre>
 * CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME
 * 0       78 318.4M  46.8M  28m50s40   6h05m32   4d05h14 root server
 * </pre>
 * CTX left-aligned, PROC right-aligned to column 10, VSZ and RSS right-aligned in 7 columns,
 * the three times right-aligned in 10, then a space and the name (at most 20 characters).
 */
public final class StatTable {
    public static final String HEADER = "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME";

    /** The name util-vserver gives context 0. */
    public static final String HOST_NAME = "root server";

    private static final int NAME_MAX = 20;
    private static final String[] SUFFIXES = {" ", "K", "M", "G", "T"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatTable() {}

    /** The header and one line per row, each ending in a newline. */
    public static String format(List<StatRow> rows) {
        var out = new StringBuilder(HEADER).append('\n');
        for (StatRow r : rows) out.append(line(r)).append('\n');
        return out.toString();
    }

    static String line(StatRow r) {
        String ctx = Integer.toString(r.xid());
        String procs = Integer.toString(r.procs());
        return ctx + " ".repeat(Math.max(1, 10 - ctx.length() - procs.length())) + procs
                + left(memory(r.vszBytes()), 7) + left(memory(r.rssBytes()), 7)
                + left(time(r.userNanos()), 10) + left(time(r.sysNanos()), 10) + left(time(r.uptimeNanos()), 10)
                + " " + name(r);
    }

    private static String name(StatRow r) {
        String name = r.xid() == Xid.HOST ? HOST_NAME : r.name() == null ? "" : r.name();
        return name.length() > NAME_MAX ? name.substring(0, NAME_MAX) : name;
    }

    private static String left(String s, int width) {
        return s.length() >= width ? " " + s : " ".repeat(width - s.length()) + s;
    }

    /**
     * A size in at most 6 characters, 1024-based: the value is shifted down by 10 bits until it is
     * below 1000, keeping one truncated decimal of the last shift when it is not 0: "512K", "2.1M",
     * "318.4M", "1.1G". Below 1000 bytes the suffix is a space. Negative (unknown) prints "-".
     */
    static String memory(long bytes) {
        if (bytes < 0) return "-";
        long value = bytes;
        long tenth = 0;
        for (String suffix : SUFFIXES) {
            if (value < 1000) return value + (tenth != 0 ? "." + tenth : "") + suffix;
            tenth = 10 * (value & 1023) / 1024;
            value >>= 10;
        }
        return Math.min(value, 9999) + (value < 1000 && tenth != 0 ? "." + tenth : "") + "+";
    }

    /**
     * A duration in hundredths of a second: "12m05s37" (minutes, seconds, hundredths) below an hour,
     * "3h07m59" (hours, minutes, seconds) below a day, "4d05h14" (days, hours, minutes) up to 999 days,
     * then "2y100d05" (years of 365 days, days, hours). Negative prints as 0.
     */
    static String time(long nanos) {
        long t = Math.max(0, nanos) / 10_000_000;          // hundredths
        long hundredths = t % 100;
        t /= 100;
        long s = t % 60;
        t /= 60;
        long m = t % 60;
        t /= 60;
        long h = t % 24;
        long d = t / 24;
        if (d > 999) return String.format(Locale.ROOT, "%dy%02dd%02d", d / 365, d % 365, h);
        if (d > 0) return String.format(Locale.ROOT, "%dd%02dh%02d", d, h, m);
        if (h > 0) return String.format(Locale.ROOT, "%dh%02dm%02d", h, m, s);
        return String.format(Locale.ROOT, "%dm%02ds%02d", m, s, hundredths);
    }

    /**
     * The rows as a JSON array of {ctx, proc, vsz_bytes, rss_bytes, user_ns, sys_ns, uptime_ns, name}:
     * the table's columns in plain units (bytes, nanoseconds), the unit in the key; -1 for an unknown size.
     */
    public static String json(List<StatRow> rows) { return json(rows, r -> Map.of()); }

    /** The same, each guest's object with the fields {@code extra} gives it (its disk, say). */
    public static String json(List<StatRow> rows, Function<StatRow, Map<String, Object>> extra) {
        var list = new ArrayList<Map<String, Object>>();
        for (StatRow r : rows) {
            var m = new LinkedHashMap<String, Object>();
            m.put("ctx", r.xid());
            m.put("proc", r.procs());
            m.put("vsz_bytes", r.vszBytes());
            m.put("rss_bytes", r.rssBytes());
            m.put("user_ns", r.userNanos());
            m.put("sys_ns", r.sysNanos());
            m.put("uptime_ns", r.uptimeNanos());
            m.put("name", r.xid() == Xid.HOST ? HOST_NAME : r.name());
            if (r.xid() != Xid.HOST) m.putAll(extra.apply(r));
            list.add(m);
        }
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);                // maps of numbers and strings always serialize
        }
    }
}
