package org.vserver.plan;

/** The AWAIT sync points; ids have their home in protocol.h (VL_SYNC_*). */
public enum Sync {
    /** The guest init exists: the parent records it and does what needs its pid. */
    GUEST_PID(1);

    private final int id;

    Sync(int id) { this.id = id; }

    public int id() { return id; }

    public static Sync of(int id) {
        for (Sync s : values()) if (s.id == id) return s;
        throw new IllegalArgumentException("unknown sync id " + id);
    }
}
