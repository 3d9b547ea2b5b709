package org.vserver.unify;

import java.util.regex.Pattern;

/**
 * One glob of an exclude list, rsync's dialect: {@code *} and {@code ?} stay inside one path
 * component, {@code **} crosses {@code /}, {@code [...]} (or {@code [!...]}) is a class.
 */
record Glob(String text, Pattern regex, String literalPrefix) {

    static Glob of(String text) {
        StringBuilder re = new StringBuilder();
        int firstWild = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '*' -> {
                    if (firstWild < 0) firstWild = i;
                    if (i + 1 < text.length() && text.charAt(i + 1) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> {
                    if (firstWild < 0) firstWild = i;
                    re.append("[^/]");
                }
                case '[' -> {
                    int end = classEnd(text, i);
                    if (end < 0) {
                        re.append("\\[");              // no closing bracket: a literal '[', as fnmatch does
                        break;
                    }
                    if (firstWild < 0) firstWild = i;
                    re.append('[');
                    int j = i + 1;
                    if (text.charAt(j) == '!' || text.charAt(j) == '^') {
                        re.append('^');
                        j++;
                    }
                    for (; j < end; j++) {
                        char k = text.charAt(j);
                        if (k == '\\' || k == '[' || k == ']' || k == '&' || k == '^') re.append('\\');
                        re.append(k);
                    }
                    re.append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        // The part before the first wildcard up to its last '/': only paths under it can match.
        String prefix = firstWild < 0 ? text : text.substring(0, text.lastIndexOf('/', firstWild) + 1);
        return new Glob(text, Pattern.compile(re.toString()), prefix);
    }

    /** Index of the ']' closing the class opened at {@code open}, or -1. A ']' right after '[' or '[!' is a member. */
    private static int classEnd(String s, int open) {
        int j = open + 1;
        if (j < s.length() && (s.charAt(j) == '!' || s.charAt(j) == '^')) j++;
        if (j < s.length() && s.charAt(j) == ']') j++;
        for (; j < s.length(); j++) if (s.charAt(j) == ']') return j;
        return -1;
    }

    /** Every match starts with the literal prefix: most paths are refused by it without running the regex. */
    boolean matches(String path) { return path.startsWith(literalPrefix) && regex.matcher(path).matches(); }

    /** True if this glob might match {@code dir} or something below it (conservative: "maybe" is true). */
    boolean mayMatchUnder(String dir) {
        String d = dir.endsWith("/") ? dir : dir + "/";
        return d.startsWith(literalPrefix) || literalPrefix.startsWith(d) || literalPrefix.equals(dir);
    }
}
