package org.vserver.config;

/**
 * A run of host ids: {@code count} ids from {@code hostFirst}. As a guest's range, guest id 0 is
 * host id {@code hostFirst} (one line of {@code /proc/PID/uid_map}: {@code 0 hostFirst count}).
 *
 * @param hostFirst the first host id, 0..{@link #LAST_ID}
 * @param count     at least 1, and the range ends at {@link #LAST_ID} at the latest
 */
public record IdRange(long hostFirst, long count) {
    /** What a guest gets and needs at least: ids 0..65535, so that nobody (65534) exists inside. */
    public static final long GUEST_IDS = 65536;
    /**
     * Host ids below this are the host's own (system users, people, nobody 65534) and are never a
     * guest's: a guest's root must not be some host user.
     */
    public static final long FIRST_GUEST_HOST_ID = 65536;
    /** The last id: 4294967295 is (uid_t)-1, "no id" to chown(2) and setresuid(2). */
    public static final long LAST_ID = 4294967294L;

    public IdRange {
        if (hostFirst < 0 || count < 1 || hostFirst + count - 1 > LAST_ID)
            throw new IllegalArgumentException("not a range of ids: " + hostFirst + " " + count);
    }

    /** The last host id of the range. */
    public long hostLast() { return hostFirst + count - 1; }

    public boolean contains(long hostId) { return hostId >= hostFirst && hostId <= hostLast(); }

    public boolean overlaps(IdRange o) { return hostFirst <= o.hostLast() && o.hostFirst <= hostLast(); }

    /** {@code FIRST..LAST}, for messages. */
    public String span() { return hostFirst + ".." + hostLast(); }

    /** The guest file's content: {@code HOSTFIRST COUNT} and a newline. */
    public String fileText() { return hostFirst + " " + count + "\n"; }
}
