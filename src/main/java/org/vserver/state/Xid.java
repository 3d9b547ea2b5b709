package org.vserver.state;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;

/**
 * VServer's context numbers (reference §4.1), the one place that knows their ranges, special
 * values and text form. An XID is ours, not the kernel's: mainline has no contexts, so the number
 * only names a guest (its run state, vps's CONTEXT column, {@code --xid}). It lives here, beside
 * {@link RunState} which records it, because this package depends on nothing: the configuration,
 * /proc readers, planners and tools all use it without a cycle.
 *
 * <p>Numbers stay plain {@code int}s in records and tables; this class is their vocabulary.
 */
public final class Xid {
    private Xid() {}

    /** The host ("main"): vps's {@code 0 MAIN}, vserver-stat's "root server". */
    public static final int HOST = 0;
    /** The spectator ("watch"): sees every process, may signal none (vps's {@code 1 ALL_PROC}). */
    public static final int SPECTATOR = 1;
    /** Static contexts, chosen by the admin in {@code cfgdir/context}. */
    public static final int FIRST_STATIC = 2, LAST_STATIC = 49151;
    /** Dynamic contexts: a guest without a {@code context} file, {@code vcontext --create} without {@code --xid}. */
    public static final int FIRST_DYNAMIC = 49152, LAST_DYNAMIC = 65535;
    /** The highest context number of all. */
    public static final int LAST = LAST_DYNAMIC;

    /** The host's and the spectator's names where a guest's name would stand (vps, vtop). */
    public static final String HOST_NAME = "MAIN", SPECTATOR_NAME = "ALL_PROC";

    /** vserver-info's XIDTYPE: the class of a context number. */
    public enum Kind {
        MAIN, WATCH, STATIC, DYNAMIC;

        /** The word vserver-info prints. */
        public String word() { return name().toLowerCase(Locale.ROOT); }
    }

    /** The class of {@code xid}; IllegalArgumentException outside 0..65535. */
    public static Kind kind(long xid) {
        if (xid < HOST || xid > LAST) throw new IllegalArgumentException("context number " + xid + " is out of range " + HOST + ".." + LAST);
        if (xid == HOST) return Kind.MAIN;
        if (xid == SPECTATOR) return Kind.WATCH;
        return xid <= LAST_STATIC ? Kind.STATIC : Kind.DYNAMIC;
    }

    /** Whether {@code text} is written as a context number would be: decimal digits only (no sign, no space). */
    public static boolean isNumber(String text) {
        return text != null && !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The context number {@code text} names, 0..65535; empty if it is not one (a name, or out of range). */
    public static OptionalInt parse(String text) {
        if (!isNumber(text)) return OptionalInt.empty();
        long x = Long.parseLong(text);
        return x <= LAST ? OptionalInt.of((int) x) : OptionalInt.empty();
    }

    /**
     * A guest's context number ({@code cfgdir/context}, {@code build --context}), 2..65535;
     * IllegalArgumentException says what a context number is.
     */
    public static int parseGuest(String text) {
        OptionalInt x = parse(text);
        if (x.isEmpty() || !isGuest(x.getAsInt()))
            throw new IllegalArgumentException("invalid context '" + text + "': expected a number " + FIRST_STATIC + ".." + LAST
                    + " (0 is the host, 1 the spectator)");
        return x.getAsInt();
    }

    /** Whether a guest or a throw-away context may have {@code xid}: not the host's, not the spectator's. */
    public static boolean isGuest(long xid) { return xid >= FIRST_STATIC && xid <= LAST; }

    /** The lowest dynamic XID not in {@code used}; empty if all are. */
    public static OptionalInt lowestFreeDynamic(Set<Integer> used) {
        for (int x = FIRST_DYNAMIC; x <= LAST_DYNAMIC; x++) if (!used.contains(x)) return OptionalInt.of(x);
        return OptionalInt.empty();
    }

    /** The message when every dynamic XID is taken. */
    public static String noFreeDynamic() {
        return "no free dynamic XID: all of " + FIRST_DYNAMIC + ".." + LAST_DYNAMIC + " are in use";
    }

    /** An XID as the tables print it; a negative one (a guest whose context is not known: not running) is "?". */
    public static String format(int xid) { return xid < 0 ? "?" : Integer.toString(xid); }
}
