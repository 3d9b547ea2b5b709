package org.vserver.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * The host's account files with every password locked: a guest built from the host's accounts
 * gets its users and groups, never their password hashes (passwd -S shows them "L"; set one
 * inside the guest with passwd).
 */
final class LockedPasswords {
    /** crypt(3) never returns "*", so no password matches it. */
    static final String LOCKED = "*";

    private LockedPasswords() {}

    /** shadow(5) or gshadow(5): field 2 of every entry becomes "*", even an empty one (= no password). */
    static String shadow(String text) {
        return replaceField2(text, field -> LOCKED);
    }

    /**
     * passwd(5): "x" (look in shadow) stays; anything else is a hash from before shadow, or empty,
     * which means "no password", and becomes "*".
     */
    static String passwd(String text) {
        return replaceField2(text, field -> field.equals("x") ? "x" : LOCKED);
    }

    private static String replaceField2(String text, java.util.function.UnaryOperator<String> f) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (line.isBlank() || line.startsWith("#")) {
                out.add(line);
                continue;
            }
            String[] fields = line.split(":", -1);
            if (fields.length >= 2) {
                fields[1] = f.apply(fields[1]);
            }
            out.add(String.join(":", fields));
        }
        return String.join("\n", out);
    }
}
