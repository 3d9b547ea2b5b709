package org.vserver.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.vserver.limits.LimitValue;
import org.vserver.limits.Resource;

/**
 * {@code vlimit}'s command line, which picocli cannot express: {@code -S}, {@code -H} and
 * {@code -M} say which value the next {@code --<resource> VALUE} sets (hard when none is given,
 * as util-vserver's vlimit), and may be combined ({@code -S -H --rss 64K} sets both).
 *
 * @param xid       {@code --xid}: guest name or context number
 * @param get       {@code -a}, {@code --all} or {@code --get}: show every limit
 * @param changes   the values to set, in order
 * @param dir       {@code --dir D}: read {@code D/<res>[.soft|.hard|.min]} files as rlimits/ holds them
 * @param missingOk {@code --missingok}: with --dir, a missing directory is no error
 * @param help      {@code -h}, {@code --help}
 */
record VlimitArgs(String xid, boolean get, List<Change> changes, Optional<Path> dir, boolean missingOk, boolean help) {

    enum Which { SOFT, HARD, MIN }

    /** One {@code --<resource> VALUE}; {@code value} in the resource's unit, {@link org.vserver.limits.Limit#INFINITY} for inf. */
    record Change(Resource resource, EnumSet<Which> which, long value) {}

    static final String USAGE = """
            Usage: vlimit --xid GUEST [-a|--get] [[-S|-H|-M]... --RESOURCE VALUE]... [--dir DIR [--missingok]]
            Show or change the per-guest limits of a running guest; the change lasts until it stops.
              -S, -H, -M   the next value is the soft limit, the hard limit (default), the minimum
              VALUE        a number, inf, or with a suffix k m g (x1000) or K M G (x1024)
              RESOURCE     rss (pages: the memory limit; soft = reclaim target; min = protection),
                           nproc (tasks, threads included), as memlock (pages), nofile locks
                           msgqueue stack core fsize data cpu (per process, set on every process)
            """;

    static VlimitArgs parse(List<String> args) {
        String xid = null;
        boolean get = false, missingOk = false, help = false;
        Optional<Path> dir = Optional.empty();
        List<Change> changes = new ArrayList<>();
        EnumSet<Which> pending = EnumSet.noneOf(Which.class);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--xid" -> xid = value(args, ++i, a);
                case "-a", "--all", "--get" -> get = true;
                case "-n", "--numeric", "-d" -> { }           // util-vserver's display options: ours are numeric already
                case "-S" -> pending.add(Which.SOFT);
                case "-H" -> pending.add(Which.HARD);
                case "-M" -> pending.add(Which.MIN);
                case "--dir" -> dir = Optional.of(Path.of(value(args, ++i, a)));
                case "--missingok" -> missingOk = true;
                case "-h", "--help" -> help = true;
                default -> {
                    if (a.startsWith("--xid=")) {
                        xid = a.substring(6);
                        continue;
                    }
                    Optional<Resource> r = a.startsWith("--") ? Resource.byName(a.substring(2)) : Optional.empty();
                    if (r.isEmpty()) throw new IllegalArgumentException("unknown option '" + a + "' (see --help)");
                    String v = value(args, ++i, a);
                    long value;
                    try {
                        value = LimitValue.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(a + ": " + e.getMessage());
                    }
                    changes.add(new Change(r.get(), pending.isEmpty() ? EnumSet.of(Which.HARD) : EnumSet.copyOf(pending), value));
                    pending = EnumSet.noneOf(Which.class);
                }
            }
        }
        if (!pending.isEmpty()) throw new IllegalArgumentException("-S, -H or -M must be followed by --RESOURCE VALUE");
        if (xid == null && !help) throw new IllegalArgumentException("missing --xid GUEST (see --help)");
        return new VlimitArgs(xid, get, List.copyOf(changes), dir, missingOk, help);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) throw new IllegalArgumentException(option + " needs a value");
        return args.get(i);
    }
}
