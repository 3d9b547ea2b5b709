package org.vserver.bpf;

/**
 * FNV-1a 64, the one hash the launcher and Java both compute: a plan's text shows a BPF program by
 * it (launcher/text.c), and a cached plan's key names its inputs by it (launcher/key.c).
 */
public final class Fnv1a {
    public static final long OFFSET = 0xcbf29ce484222325L;
    static final long PRIME = 0x100000001b3L;

    private Fnv1a() {}

    /** {@code h} extended by {@code bytes}; start from {@link #OFFSET}. */
    public static long of(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= PRIME;
        }
        return h;
    }
}
