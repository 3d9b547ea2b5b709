package org.vserver.cgroup;

/** The CFS bandwidth counters of cpu.stat, in microseconds; -1 where the host has no cpu controller. */
record Throttling(long periods, long throttled, long throttledUsec, long bursts, long burstUsec) {
    static final Throttling UNKNOWN = new Throttling(-1, -1, -1, -1, -1);
}
