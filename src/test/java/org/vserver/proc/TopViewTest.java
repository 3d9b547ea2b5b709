package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TopViewTest {
    static final List<Integer> GUESTS = List.of(40001, 40002);
    static final TopSnapshot SNAP = new TopSnapshot(Instant.EPOCH, 1, List.of(), List.of(
            p(10, 0, 5.0, 300, 900),
            p(20, 40002, 50.0, 100, 100),
            p(30, 40001, 50.0, 200, 50),
            p(5, 40001, 0.5, 900, 2000)));

    static TopProcess p(int pid, int xid, double cpu, long rss, long time) {
        return new TopProcess(pid, xid, xid == 0 ? "MAIN" : "g" + xid, "root", 0, cpu, rss, 'S', time, "cmd");
    }

    private static List<Integer> pids(TopView v) {
        return SNAP.shown(v).stream().map(TopProcess::pid).toList();
    }

    @Test void keysSelectTheOrder() {
        TopView v = TopView.DEFAULT;
        assertEquals(List.of(20, 30, 10, 5), pids(v), "busiest first, ties by pid");
        assertEquals(List.of(5, 10, 30, 20), pids(v = v.after('m', GUESTS)));
        assertEquals(List.of(5, 10, 20, 30), pids(v = v.after('p', GUESTS)));
        assertEquals(List.of(10, 30, 5, 20), pids(v = v.after('x', GUESTS)), "host first, then by xid, busiest first");
        assertEquals(List.of(5, 10, 20, 30), pids(v = v.after('t', GUESTS)));
        assertEquals(TopSort.TIME, v.after('z', GUESTS).sort(), "an unknown key changes nothing");
        assertEquals(List.of(20, 30, 10, 5), pids(v.after('c', GUESTS)));
    }

    @Test void gCyclesThroughTheGuestsThenAll() {
        TopView v = TopView.DEFAULT.after('p', GUESTS);
        v = v.after('g', GUESTS);
        assertEquals(OptionalInt.of(40001), v.guest());
        assertEquals(List.of(5, 30), pids(v), "still by pid");
        v = v.after('g', GUESTS);
        assertEquals(List.of(20), pids(v));
        v = v.after('g', GUESTS);
        assertEquals(OptionalInt.empty(), v.guest());
        assertEquals(4, pids(v).size());
        assertEquals(OptionalInt.of(40001), new TopView(TopSort.CPU, OptionalInt.of(49999)).after('g', GUESTS).guest(),
                "a guest that stopped: back to the first");
        assertEquals(OptionalInt.empty(), TopView.DEFAULT.after('g', List.of()).guest(), "no guests: all");
    }

    @Test void actions() {
        assertEquals(TopView.Action.QUIT, TopView.action('q'));
        assertEquals(TopView.Action.QUIT, TopView.action(3));
        assertEquals(TopView.Action.REFRESH, TopView.action(' '));
        for (char k : "cmpxtg".toCharArray()) assertEquals(TopView.Action.REDRAW, TopView.action(k), "key " + k);
        assertEquals(TopView.Action.NONE, TopView.action('\033'));
    }
}
