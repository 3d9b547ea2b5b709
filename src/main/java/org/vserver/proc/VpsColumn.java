package org.vserver.proc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * vps: the output of the system {@code ps} with a {@code CONTEXT} column inserted right after
 * {@code PID}, holding "xid name" ({@link #HOST} for host processes).
 *
 * <p>The PID column is the first header token equal to {@code PID}. procps right-aligns it, so in
 * a data line the pid is the number that overlaps the header's PID column; when a line is shifted
 * (a wide earlier column), the token at the same index is tried. Lines without a pid (a header
 * repeated by {@code --headers}, blank lines, other text) pass through unchanged. Columns are
 * separated by blanks and tabs. bin/vps.awk does the same without a JVM: keep them equal
 * (VpsAwkAgreementTest).
 */
public final class VpsColumn {
    /** The CONTEXT value util-vserver's vps shows for the host (context 0). */
    public static final String HOST = ContextOfPid.Context.HOST.text();
    static final String TITLE = "CONTEXT";

    private VpsColumn() {}

    /** A column as [start, end) character offsets in its line. */
    record Span(int start, int end) {
        String text(String line) { return line.substring(start, end); }
    }

    /**
     * @param psOutput     what ps printed, header included
     * @param contextOfPid the CONTEXT text of a pid, e.g. "49152 web" or {@link #HOST}; null prints as "?"
     */
    public static String insertContextColumn(String psOutput, IntFunction<String> contextOfPid) {
        String[] lines = psOutput.split("\n", -1);
        int header = -1;
        int index = -1;
        Span pidHeader = null;
        for (int i = 0; i < lines.length && header < 0; i++) {
            List<Span> tokens = tokens(lines[i]);
            for (int k = 0; k < tokens.size(); k++) {
                Span t = tokens.get(k);
                if (lines[i].substring(t.start, t.end).equals("PID")) {
                    header = i;
                    index = k;
                    pidHeader = t;
                    break;
                }
            }
        }
        if (header < 0) return psOutput;

        var pids = new Span[lines.length];
        var contexts = new String[lines.length];
        int width = TITLE.length();
        for (int i = header + 1; i < lines.length; i++) {
            pids[i] = pidOf(lines[i], pidHeader, index);
            if (pids[i] == null) continue;
            String ctx = contextOfPid.apply(Integer.parseInt(lines[i].substring(pids[i].start, pids[i].end)));
            contexts[i] = ctx == null ? "?" : ctx;
            width = Math.max(width, contexts[i].length());
        }

        var out = new StringBuilder(psOutput.length() + lines.length * (width + 1));
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) out.append('\n');
            if (i == header) insert(out, lines[i], pidHeader.end, TITLE, width);
            else if (i > header && pids[i] != null) insert(out, lines[i], pids[i].end, contexts[i], width);
            else out.append(lines[i]);
        }
        return out.toString();
    }

    /**
     * vps --json: one map per ps line that has a pid, after the header: the columns under ps's own
     * header names (values as text; the last column takes the rest of the line, blanks included,
     * as COMMAND and ARGS need), then {@code ctx} (the xid; null for a guest that is not running)
     * and {@code name} (the guest; MAIN for the host, ALL_PROC for the spectator).
     */
    public static List<Map<String, Object>> rows(String psOutput, IntFunction<ContextOfPid.Context> contextOfPid) {
        String[] lines = psOutput.split("\n", -1);
        var out = new ArrayList<Map<String, Object>>();
        for (int h = 0; h < lines.length; h++) {
            List<Span> names = tokens(lines[h]);
            int index = -1;
            for (int k = 0; k < names.size() && index < 0; k++)
                if (text(lines[h], names.get(k)).equals("PID")) index = k;
            if (index < 0) continue;
            for (int i = h + 1; i < lines.length; i++) {
                Span pid = pidOf(lines[i], names.get(index), index);
                if (pid == null) continue;
                List<Span> values = tokens(lines[i]);
                var row = new LinkedHashMap<String, Object>();
                for (int k = 0; k < names.size() && k < values.size(); k++) {
                    String v = k == names.size() - 1 ? lines[i].substring(values.get(k).start).stripTrailing() : text(lines[i], values.get(k));
                    row.put(text(lines[h], names.get(k)), v);
                }
                ContextOfPid.Context c = contextOfPid.apply(Integer.parseInt(text(lines[i], pid)));
                row.put("ctx", c.xid() < 0 ? null : c.xid());
                row.put("name", c.name());
                out.add(row);
            }
            break;
        }
        return out;
    }

    private static String text(String line, Span t) { return line.substring(t.start, t.end); }

    private static void insert(StringBuilder out, String line, int at, String value, int width) {
        String rest = line.substring(at);
        out.append(line, 0, at).append(' ').append(value);
        // pad only if something follows: no trailing blanks on a "ps -o pid" line
        if (!rest.isEmpty()) out.append(" ".repeat(width - value.length()));
        out.append(rest);
    }

    /** The pid's span in a data line, or null if the line has none. */
    private static Span pidOf(String line, Span header, int index) {
        List<Span> tokens = tokens(line);
        for (Span t : tokens) {
            if (t.start < header.end && t.end > header.start && isPid(line, t)) return t;
        }
        if (index < tokens.size() && isPid(line, tokens.get(index))) return tokens.get(index);
        return null;
    }

    private static boolean isPid(String line, Span t) {
        int len = t.end - t.start;
        if (len == 0 || len > 10) return false;
        for (int i = t.start; i < t.end; i++) if (line.charAt(i) < '0' || line.charAt(i) > '9') return false;
        return Long.parseLong(line.substring(t.start, t.end)) <= Integer.MAX_VALUE;
    }

    /** A value of digits only that fits a long (a pid, a uid). */
    static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    static List<Span> tokens(String line) {
        var out = new ArrayList<Span>();
        int i = 0;
        while (i < line.length()) {
            while (i < line.length() && blank(line.charAt(i))) i++;
            int start = i;
            while (i < line.length() && !blank(line.charAt(i))) i++;
            if (i > start) out.add(new Span(start, i));
        }
        return out;
    }

    /** ps separates columns with blanks; bin/vps.awk splits at the same two characters. */
    private static boolean blank(char c) { return c == ' ' || c == '\t'; }
}
