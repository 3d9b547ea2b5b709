package org.vserver.limits;

/**
 * {@code ionice/{class,priority}}: the I/O scheduling class and level of the guest's init,
 * inherited by everything it starts (ioprio_set(2), as {@code ionice -c -n}).
 *
 * @param ioClass  1 realtime, 2 best-effort, 3 idle (0 "none" is read as best-effort)
 * @param priority 0 (highest) .. 7; ignored for idle
 */
public record IoNice(int ioClass, int priority) {
    public static final int REALTIME = 1, BEST_EFFORT = 2, IDLE = 3;
}
