package org.vserver.proc;

import java.util.List;
import java.util.OptionalInt;

/**
 * How vtop shows a snapshot, changed by keys: the sort order and the guest the process table is
 * limited to (none: every process).
 */
public record TopView(TopSort sort, OptionalInt guest) {
    public static final TopView DEFAULT = new TopView(TopSort.CPU, OptionalInt.empty());

    /** What a key asks of the command loop. */
    public enum Action { QUIT, REFRESH, REDRAW, NONE }

    /** q and Ctrl-C (a byte of its own when the terminal passes it through) quit. */
    public static Action action(int key) {
        if (key == 'q' || key == 'Q' || key == 3) return Action.QUIT;
        if (key == ' ') return Action.REFRESH;
        if (TopSort.ofKey(key) != null || key == 'g') return Action.REDRAW;
        return Action.NONE;
    }

    /**
     * The view after {@code key}: c/m/p/x/t choose the sort; g steps through {@code guestXids}
     * (in the given order) and after the last one back to every process. Other keys change nothing.
     */
    public TopView after(int key, List<Integer> guestXids) {
        TopSort s = TopSort.ofKey(key);
        if (s != null) return new TopView(s, guest);
        if (key != 'g') return this;
        int next = guest.isEmpty() ? 0 : guestXids.indexOf(guest.getAsInt()) + 1;   // a vanished guest: from the start
        return new TopView(sort, next < guestXids.size() ? OptionalInt.of(guestXids.get(next)) : OptionalInt.empty());
    }
}
