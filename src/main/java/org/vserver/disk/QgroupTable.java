package org.vserver.disk;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The table {@code btrfs qgroup show --raw -r} prints (btrfs-progs 6.2; its {@code --format json}
 * crashes with {@code --raw} there, so the text is read):
 * <pre>
 * Qgroupid    Referenced    Exclusive  Max referenced   Path
 * --------    ----------    ---------  --------------   ----
 * 0/256          3018752      3018752        10485760   sub
 * </pre>
 * Columns are found by their header, so other options' columns (-e, -p, -c) and older releases'
 * names ({@code qgroupid rfer excl max_rfer}, no Path) read the same. The path, last, may hold spaces.
 */
final class QgroupTable {
    private QgroupTable() {}

    /**
     * One qgroup row.
     *
     * @param id            "LEVEL/ID", e.g. {@code 0/256} (level 0: a subvolume's own qgroup)
     * @param referenced    bytes the subvolume refers to (shared extents included): what a limit counts
     * @param exclusive     bytes only it refers to
     * @param maxReferenced the limit in bytes; empty for "none" or when the column is absent
     */
    record Row(String id, long referenced, long exclusive, OptionalLong maxReferenced) {
        boolean subvolume() { return id.startsWith("0/"); }
    }

    static List<Row> parse(String output) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        int h = 0;
        while (h < lines.size() && !lines.get(h).strip().toLowerCase().startsWith("qgroupid")) h++;
        if (h == lines.size()) throw new IllegalArgumentException("no 'Qgroupid' header in: " + output.strip());
        // the two-word names become one token, so the header splits on whitespace like the rows
        String[] names = lines.get(h).strip().replace("Max referenced", "max_rfer").replace("Max exclusive", "max_excl")
                .toLowerCase().split("\\s+");
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < names.length; i++)
            col.put(switch (names[i]) {
                case "referenced" -> "rfer";
                case "exclusive" -> "excl";
                default -> names[i];
            }, i);
        if (!col.containsKey("rfer") || !col.containsKey("excl"))
            throw new IllegalArgumentException("no Referenced and Exclusive columns in: " + lines.get(h));
        List<Row> rows = new ArrayList<>();
        for (String l : lines.subList(h + 1, lines.size())) {
            if (l.strip().startsWith("--")) continue;
            String[] f = l.strip().split("\\s+", names.length);
            if (f.length < names.length - (col.containsKey("path") ? 1 : 0))
                throw new IllegalArgumentException("short qgroup row: " + l);
            rows.add(new Row(f[col.getOrDefault("qgroupid", 0)], number(f[col.get("rfer")], l), number(f[col.get("excl")], l),
                    col.containsKey("max_rfer") ? limit(f[col.get("max_rfer")], l) : OptionalLong.empty()));
        }
        return rows;
    }

    private static OptionalLong limit(String s, String line) {
        return s.equals("none") ? OptionalLong.empty() : OptionalLong.of(number(s, line));
    }

    private static long number(String s, String line) {
        if (!s.matches("\\d{1,19}")) throw new IllegalArgumentException("expected a byte count (--raw), got '" + s + "' in: " + line);
        return Long.parseLong(s);
    }
}
