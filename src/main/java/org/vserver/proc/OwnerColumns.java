package org.vserver.proc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * vps: ps's user and group columns as the guests name their ids. ps runs on the host and knows
 * the host's names only: a process of a guest with its own user namespace runs as host ids
 * (guest root is, e.g., 1000000), which ps prints as numbers. Each such number in a guest's range
 * is replaced by what that guest calls it ({@link OwnerNames}): in a name column its name, else
 * its own number; in a number column its own number. Host ids, and names ps found, stay as ps
 * printed them.
 *
 * <p>Columns are found by ps's header names (procps 4): the name columns USER EUSER RUSER SUSER
 * FUSER GROUP EGROUP RGROUP SGROUP FGROUP, the number columns EUID RUID SUID FUID GID EGID RGID
 * SGID FGID. {@code UID} is both ({@code ps -f} names, {@code ps -o uid} numbers): it is a name
 * column if any of its values is not a number (a host process's "root"). The value of a data line
 * is the token overlapping the header's span, else the token at the header's index, as for PID.
 * Values keep their place: a shorter one is padded (names to the left, numbers to the right); a
 * longer one takes blanks after it, keeping one before the next column, and shifts the rest of
 * the line only if there are not enough.
 */
public final class OwnerColumns {
    private OwnerColumns() {}

    /** A column that shows an owner: which id and how. */
    record Column(OwnerNames.Kind kind, boolean names) {}

    private static final Map<String, Column> COLUMNS = columns();

    private static Map<String, Column> columns() {
        var m = new HashMap<String, Column>();
        for (String h : List.of("USER", "EUSER", "RUSER", "SUSER", "FUSER")) m.put(h, new Column(OwnerNames.Kind.USER, true));
        for (String h : List.of("GROUP", "EGROUP", "RGROUP", "SGROUP", "FGROUP")) m.put(h, new Column(OwnerNames.Kind.GROUP, true));
        for (String h : List.of("EUID", "RUID", "SUID", "FUID")) m.put(h, new Column(OwnerNames.Kind.USER, false));
        for (String h : List.of("GID", "EGID", "RGID", "SGID", "FGID")) m.put(h, new Column(OwnerNames.Kind.GROUP, false));
        return Map.copyOf(m);
    }

    /** A column of the header line. */
    private record Header(String title, int index, Column column, VpsColumn.Span span) {}

    /** What a value of a column is shown as, if it is a guest's id; empty for anything else. */
    static Optional<String> shown(Column c, String value, OwnerNames names) {
        if (!VpsColumn.isNumber(value)) return Optional.empty();
        return names.ofGuest(c.kind(), Long.parseLong(value)).map(g -> c.names() ? g.name() : Long.toString(g.id()));
    }

    /** {@code psOutput} with every guest's id in an owner column replaced. */
    public static String rewrite(String psOutput, OwnerNames names) {
        String[] lines = psOutput.split("\n", -1);
        int h = headerLine(lines);
        if (h < 0) return psOutput;
        List<Header> headers = headers(lines, h);
        for (int i = h + 1; i < lines.length; i++) {
            for (Header c : headers) {
                VpsColumn.Span v = valueOf(lines[i], c);
                if (v == null) continue;
                Optional<String> s = shown(c.column(), lines[i].substring(v.start(), v.end()), names);
                if (s.isPresent()) lines[i] = replace(lines[i], v, s.get(), c.column().names());
            }
        }
        return String.join("\n", lines);
    }

    /**
     * vps --json: in each row (ps's header names as keys), a guest's id replaced as in the text, and
     * ps's own value kept under {@code host_} and the lowercase header ({@code host_user: "1000000"}).
     */
    public static void rewriteRows(List<Map<String, Object>> rows, OwnerNames names) {
        if (rows.isEmpty()) return;
        for (String title : List.copyOf(rows.getFirst().keySet())) {
            Column c = column(title, rows.stream().map(r -> String.valueOf(r.get(title))).toList());
            if (c == null) continue;
            for (Map<String, Object> r : rows) {
                if (!(r.get(title) instanceof String v)) continue;
                Optional<String> s = shown(c, v, names);
                if (s.isEmpty()) continue;
                r.put(title, s.get());
                r.put("host_" + title.toLowerCase(Locale.ROOT), v);
            }
        }
    }

    /** The column of a header name, deciding UID by its values; null if it shows no owner. */
    private static Column column(String title, List<String> values) {
        if (title.equals("UID")) return new Column(OwnerNames.Kind.USER, values.stream().anyMatch(v -> !VpsColumn.isNumber(v)));
        return COLUMNS.get(title);
    }

    /** The first line with an owner column's name, or -1. */
    private static int headerLine(String[] lines) {
        for (int i = 0; i < lines.length; i++)
            for (VpsColumn.Span t : VpsColumn.tokens(lines[i]))
                if (t.text(lines[i]).equals("UID") || COLUMNS.containsKey(t.text(lines[i]))) return i;
        return -1;
    }

    private static List<Header> headers(String[] lines, int h) {
        List<VpsColumn.Span> tokens = VpsColumn.tokens(lines[h]);
        var out = new ArrayList<Header>();
        for (int k = 0; k < tokens.size(); k++) {
            String title = tokens.get(k).text(lines[h]);
            if (!title.equals("UID") && !COLUMNS.containsKey(title)) continue;
            var probe = new Header(title, k, null, tokens.get(k));
            var values = new ArrayList<String>();
            for (int i = h + 1; i < lines.length; i++) {
                VpsColumn.Span v = valueOf(lines[i], probe);
                if (v != null) values.add(v.text(lines[i]));
            }
            out.add(new Header(title, k, column(title, values), tokens.get(k)));
        }
        return out;
    }

    /** The value of column {@code c} in a data line: the token overlapping its title, else the one at its index. */
    private static VpsColumn.Span valueOf(String line, Header c) {
        List<VpsColumn.Span> tokens = VpsColumn.tokens(line);
        for (VpsColumn.Span t : tokens)
            if (t.start() < c.span().end() && t.end() > c.span().start()) return t;
        return c.index() < tokens.size() ? tokens.get(c.index()) : null;
    }

    private static String replace(String line, VpsColumn.Span v, String value, boolean leftAligned) {
        int room = v.end() - v.start();
        int after = v.end();
        while (after < line.length() && blank(line.charAt(after))) after++;
        String before = line.substring(0, v.start());
        if (after == line.length()) {                          // the last column: no trailing blanks
            return before + (leftAligned || value.length() >= room ? value : " ".repeat(room - value.length()) + value);
        }
        if (value.length() > room) {
            // take blanks after it; one stays before the next column
            int take = Math.min(value.length() - room, after - v.end() - 1);
            return before + value + line.substring(v.end() + take);
        }
        String pad = " ".repeat(room - value.length());
        return before + (leftAligned ? value + pad : pad + value) + line.substring(v.end());
    }

    private static boolean blank(char c) { return c == ' ' || c == '\t'; }
}
