package org.vserver.proc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.vserver.state.Xid;

/**
 * vtop's output. The text form is two tables, each column separated by at least one space and
 * wide enough for its longest value, so a line splits on whitespace:
 * <pre>
 *   XID NAME TASKS  %CPU    RSS  UPTIME
 *     0 MAIN   131   3.5 412.8M 4d05h14
 * 40001 web      2 100.0   1.1M 0m42s17
 *
 *   PID   XID NAME USER  %CPU    RSS S    TIME COMMAND
 *  4242 40001 web  root  99.9 508.0K R 0:41.90 sh -c while :; do :; done
 * </pre>
 * COMMAND is the rest of the line and the only column that may contain spaces; sizes and
 * uptimes are vserver-stat's ("412.8M", "4d05h14"), TIME is minutes:seconds.hundredths.
 */
public final class TopTable {
    public static final List<String> SUMMARY_HEADER = List.of("XID", "NAME", "TASKS", "%CPU", "RSS", "UPTIME");
    public static final List<String> PROCESS_HEADER = List.of("PID", "XID", "NAME", "USER", "%CPU", "RSS", "S", "TIME", "COMMAND");
    /** Left-aligned columns; the others are numbers, aligned right. */
    private static final Set<String> LEFT = Set.of("NAME", "USER", "COMMAND");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    private TopTable() {}

    /** The batch form: the summary table, a blank line, the process table; every line ends in a newline. */
    public static String text(TopSnapshot s) {
        var out = new StringBuilder();
        for (String line : summaryLines(s)) out.append(line).append('\n');
        out.append('\n');
        for (String line : processLines(s.processes())) out.append(line).append('\n');
        return out.toString();
    }

    /**
     * The interactive screen: a title line, the summary, a blank line and as many processes as
     * fit in {@code rows}, every line cut to {@code columns}. No line ends in a newline.
     */
    public static List<String> screen(TopSnapshot s, TopView view, double delaySeconds, int rows, int columns) {
        List<String> lines = new ArrayList<>();
        String guest = "all";
        if (view.guest().isPresent()) {
            guest = s.guests().stream().filter(g -> g.xid() == view.guest().getAsInt()).map(TopGuest::name)
                    .findFirst().orElse(Integer.toString(view.guest().getAsInt()));
        }
        int tasks = s.guests().stream().mapToInt(TopGuest::tasks).sum();
        lines.add(String.format(Locale.ROOT, "vtop %s  %d guests, %d tasks  sort %s  guest %s  every %ss   "
                        + "q quit  c/m/p/x/t sort  g guest  space refresh",
                CLOCK.format(LocalTime.ofInstant(s.time(), ZoneId.systemDefault())), s.guests().size() - 1, tasks,
                view.sort().name().toLowerCase(Locale.ROOT), guest, number(delaySeconds)));
        lines.addAll(summaryLines(s));
        lines.add("");
        int room = Math.max(1, rows - lines.size() - 1);       // the header, then processes
        List<TopProcess> shown = s.shown(view);
        lines.addAll(processLines(shown.subList(0, Math.min(shown.size(), room))));
        List<String> out = new ArrayList<>();
        for (String line : lines.subList(0, Math.min(lines.size(), Math.max(1, rows)))) out.add(cut(line, columns));
        return out;
    }

    /** One line of JSON: {"time", "interval", "guests": [...], "processes": [...]}; sizes in bytes, times in ns. */
    public static String json(TopSnapshot s) {
        var root = new LinkedHashMap<String, Object>();
        root.put("time", s.time().toString());
        root.put("interval", s.intervalSeconds());
        var guests = new ArrayList<Map<String, Object>>();
        for (TopGuest g : s.guests()) {
            var m = new LinkedHashMap<String, Object>();
            m.put("xid", g.xid());
            m.put("name", g.name());
            m.put("tasks", g.tasks());
            m.put("cpu", round(g.cpuPercent()));
            m.put("rss", g.rssBytes());
            m.put("uptime_ns", g.uptimeNanos());
            guests.add(m);
        }
        root.put("guests", guests);
        var processes = new ArrayList<Map<String, Object>>();
        for (TopProcess p : s.processes()) {
            var m = new LinkedHashMap<String, Object>();
            m.put("pid", p.pid());
            m.put("xid", p.xid());
            m.put("name", p.context());
            m.put("user", p.user());
            m.put("host_uid", p.hostUid());
            m.put("cpu", round(p.cpuPercent()));
            m.put("rss", p.rssBytes());
            m.put("state", String.valueOf(p.state()));
            m.put("time_ns", p.cpuNanos());
            m.put("command", p.command());
            processes.add(m);
        }
        root.put("processes", processes);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);                // maps of numbers and strings always serialize
        }
    }

    static List<String> summaryLines(TopSnapshot s) {
        List<List<String>> rows = new ArrayList<>();
        for (TopGuest g : s.guests()) {
            rows.add(List.of(Integer.toString(g.xid()), word(g.name()), Integer.toString(g.tasks()), percent(g.cpuPercent()),
                    StatTable.memory(g.rssBytes()).strip(), StatTable.time(g.uptimeNanos())));
        }
        return columns(SUMMARY_HEADER, rows);
    }

    static List<String> processLines(List<TopProcess> processes) {
        List<List<String>> rows = new ArrayList<>();
        for (TopProcess p : processes) {
            rows.add(List.of(Integer.toString(p.pid()), Xid.format(p.xid()), word(p.context()),
                    word(p.user()), percent(p.cpuPercent()), StatTable.memory(p.rssBytes()).strip(),
                    String.valueOf(p.state()), time(p.cpuNanos()), printable(p.command())));
        }
        return columns(PROCESS_HEADER, rows);
    }

    /** Pads every column but the last to its widest value; one space between columns. */
    private static List<String> columns(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) width[c] = header.get(c).length();
        for (List<String> r : rows) for (int c = 0; c < width.length; c++) width[c] = Math.max(width[c], r.get(c).length());
        List<String> out = new ArrayList<>(rows.size() + 1);
        out.add(line(header, header, width));
        for (List<String> r : rows) out.add(line(header, r, width));
        return out;
    }

    private static String line(List<String> header, List<String> cells, int[] width) {
        var b = new StringBuilder();
        int last = cells.size() - 1;
        for (int c = 0; c <= last; c++) {
            if (c > 0) b.append(' ');
            String v = cells.get(c);
            boolean left = LEFT.contains(header.get(c));
            if (c == last && left) {
                b.append(v);
            } else if (left) {
                b.append(v).append(" ".repeat(width[c] - v.length()));
            } else {
                b.append(" ".repeat(width[c] - v.length())).append(v);
            }
        }
        return b.toString();
    }

    /** CPU time as top shows it: minutes:seconds.hundredths ("0:41.90", "123:05.00"). */
    static String time(long nanos) {
        long cs = Math.max(0, nanos) / 10_000_000;
        return String.format(Locale.ROOT, "%d:%02d.%02d", cs / 6000, cs / 100 % 60, cs % 100);
    }

    static String percent(double p) {
        return String.format(Locale.ROOT, "%.1f", p);
    }

    /** A value of a whitespace-separated column: never empty, no blanks inside. */
    private static String word(String s) {
        if (s == null || s.isEmpty()) return "-";
        return printable(s).replace(' ', '_');
    }

    /** No terminal control characters from a process's own command line onto the admin's screen. */
    static String printable(String s) {
        var b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || (c >= 0x7f && c < 0xa0) ? '?' : c);
        }
        return b.toString();
    }

    private static String cut(String line, int columns) {
        return line.length() <= columns ? line : line.substring(0, Math.max(0, columns));
    }

    private static double round(double percent) {
        return Math.round(percent * 10) / 10.0;
    }

    private static String number(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
