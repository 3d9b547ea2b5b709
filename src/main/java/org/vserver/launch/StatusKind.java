package org.vserver.launch;

/** Status record kinds on the launcher's fd 4 (protocol.h VL_STATUS_*). */
public enum StatusKind {
    ALIVE(1), PID(2), SYNC(3), FAIL(4), DETAIL(5);

    /** The most bytes of text a DETAIL record carries (protocol.h VL_DETAIL_MAX). */
    public static final int DETAIL_MAX = 4084;

    private final int code;

    StatusKind(int code) { this.code = code; }

    public int code() { return code; }

    static StatusKind of(int code) {
        for (StatusKind k : values()) if (k.code == code) return k;
        throw new IllegalArgumentException("unknown status kind " + code);
    }
}
