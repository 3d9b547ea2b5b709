package org.vserver.cli;

import java.util.List;
import java.util.Locale;

/** Signal names as kill(1) takes them: TERM, SIGTERM or 15. */
final class Signals {
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {}

    static int parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        if (n.chars().allMatch(Character::isDigit) && !n.isEmpty()) return Integer.parseInt(n);
        int i = NAMES.indexOf(n);
        if (i <= 0) throw new IllegalArgumentException("unknown signal '" + s + "'");
        return i;
    }
}
