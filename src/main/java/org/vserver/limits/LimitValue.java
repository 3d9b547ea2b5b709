package org.vserver.limits;

import java.util.Locale;

/**
 * The value syntax of {@code rlimits/}, {@code ulimits/} and {@code vlimit} (reference vserver.md
 * §1.4): a non-negative decimal integer with an optional suffix, or a word for "no limit".
 * <ul>
 *   <li>{@code k}, {@code m}, {@code g}: ×1000, ×1000², ×1000³ (vlimit's decimal suffixes);</li>
 *   <li>{@code K}, {@code M}, {@code G}: ×1024, ×1024², ×1024³;</li>
 *   <li>{@code inf}, {@code infinity}, {@code unlimited} (any case): {@link Limit#INFINITY}.</li>
 * </ul>
 * {@code -1} is refused rather than read as "unlimited": it is RLIM_INFINITY only by accident of
 * the C type, and a negative number in a limit file is more likely a mistake than a wish.
 */
public final class LimitValue {
    private LimitValue() {}

    /** The accepted forms, for messages. */
    public static final String FORMS = "a number, optionally with k/m/g (x1000) or K/M/G (x1024), or inf";

    /**
     * @throws IllegalArgumentException naming {@code text} and the accepted forms; also when the
     *         value does not fit (a finite value must stay below {@link Limit#INFINITY})
     */
    public static long parse(String text) {
        String s = text.strip();
        switch (s.toLowerCase(Locale.ROOT)) {
            case "inf", "infinity", "unlimited" -> { return Limit.INFINITY; }
            default -> { }
        }
        long mult = 1;
        String digits = s;
        if (!s.isEmpty()) {
            long m = multiplier(s.charAt(s.length() - 1));
            if (m > 0) {
                mult = m;
                digits = s.substring(0, s.length() - 1);
            }
        }
        if (!digits.matches("\\d{1,19}")) throw new IllegalArgumentException(bad(text));
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(tooBig(text));
        }
        // Long.MAX_VALUE itself means "inf", so a finite value must be strictly smaller.
        if (n > (Limit.INFINITY - 1) / mult) throw new IllegalArgumentException(tooBig(text));
        return n * mult;
    }

    /** {@code inf} for {@link Limit#INFINITY}, else the decimal number (no suffix, so it reads back exactly). */
    public static String format(long value) {
        return value == Limit.INFINITY ? "inf" : Long.toString(value);
    }

    private static long multiplier(char c) {
        return switch (c) {
            case 'k' -> 1000L;
            case 'm' -> 1000L * 1000;
            case 'g' -> 1000L * 1000 * 1000;
            case 'K' -> 1024L;
            case 'M' -> 1024L * 1024;
            case 'G' -> 1024L * 1024 * 1024;
            default -> 0;
        };
    }

    private static String bad(String text) { return "invalid limit '" + text + "' (expected " + FORMS + ")"; }

    private static String tooBig(String text) { return "limit '" + text + "' is too large (use inf for no limit)"; }
}
