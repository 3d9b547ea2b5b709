package org.vserver.proc;

import java.util.Comparator;

/** The orders of vtop's process table and the key that selects each; ties go by pid. */
public enum TopSort {
    CPU('c', Comparator.comparingDouble(TopProcess::cpuPercent).reversed()),
    MEMORY('m', Comparator.comparingLong(TopProcess::rssBytes).reversed()),
    PID('p', (a, b) -> 0),
    /** By xid, the host first; within a context the busiest first. */
    CONTEXT('x', Comparator.comparingInt(TopProcess::xid).thenComparing(CPU.order)),
    TIME('t', Comparator.comparingLong(TopProcess::cpuNanos).reversed());

    private final char key;
    private final Comparator<TopProcess> order;

    TopSort(char key, Comparator<TopProcess> order) {
        this.key = key;
        this.order = order.thenComparingInt(TopProcess::pid);
    }

    public char key() { return key; }

    public Comparator<TopProcess> order() { return order; }

    /** The sort a key selects, or null. */
    public static TopSort ofKey(int key) {
        for (TopSort s : values()) if (s.key == key) return s;
        return null;
    }
}
