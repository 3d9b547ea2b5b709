package org.vserver.limits;

import java.util.OptionalLong;

/**
 * One resource's values from {@code rlimits/<res>[.soft|.hard|.min]} or {@code ulimits/<res>[.soft|.hard]},
 * in the resource's own unit ({@link Resource#unit}); {@link #INFINITY} is {@code inf}.
 * An absent value is not set (the kernel's default stays).
 */
public record Limit(OptionalLong soft, OptionalLong hard, OptionalLong min) {
    public static final long INFINITY = Long.MAX_VALUE;
    public static final Limit NONE = new Limit(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

    /** {@code rlimits/<res>}: soft and hard at once. */
    public static Limit both(long value) { return new Limit(OptionalLong.of(value), OptionalLong.of(value), OptionalLong.empty()); }

    public Limit withSoft(long v) { return new Limit(OptionalLong.of(v), hard, min); }

    public Limit withHard(long v) { return new Limit(soft, OptionalLong.of(v), min); }

    public Limit withMin(long v) { return new Limit(soft, hard, OptionalLong.of(v)); }

    public boolean isEmpty() { return soft.isEmpty() && hard.isEmpty() && min.isEmpty(); }
}
