package org.vserver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code apps/init/killseq}: {@code sig [wait sig]*}, whitespace or line separated. Signals are
 * numbers or names ({@code TERM}, {@code SIGKILL}, {@code kill}); waits are seconds. The count is
 * odd because the sequence starts and ends with a signal.
 */
public final class KillSeq {
    private KillSeq() {}

    /** util-vserver's default: TERM, wait 5 s, KILL. */
    static final List<Integer> DEFAULT = List.of(15, 5, 9);

    /** Linux x86/arm numbering (asm-generic/signal.h); the names util-vserver's users write. */
    private static final Map<String, Integer> SIGNALS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));

    /** The highest real-time signal on Linux (SIGRTMAX). */
    private static final int SIGMAX = 64;

    /** The sequence as numbers: signal, wait, signal, ... */
    static List<Integer> parse(ConfigFiles.Content content) throws ConfigException {
        var out = new ArrayList<Integer>();
        ConfigFiles.Line last = null;
        for (ConfigFiles.Line l : content.items()) {
            last = l;
            for (String tok : l.text().split("\\s+")) {
                if (out.size() % 2 == 0) {
                    int sig = signal(tok);
                    if (sig < 0) throw l.error("unknown signal '" + tok + "' in killseq (use a number 1.." + SIGMAX
                            + " or a name like TERM, SIGKILL)");
                    out.add(sig);
                } else {
                    if (!tok.matches("\\d{1,6}")) throw l.error("killseq wait must be whole seconds, got '" + tok + "'");
                    out.add(Integer.parseInt(tok));
                }
            }
        }
        if (out.isEmpty()) throw new ConfigException(content.file(), 1, "killseq is empty: expected 'sig [wait sig]*'");
        if (out.size() % 2 == 0)
            throw last.error("killseq must be 'sig [wait sig]*' (an odd number of items), it ends with a wait");
        return out;
    }

    /** The signal number for "15", "TERM", "SIGTERM" or "sigterm"; -1 if unknown. */
    public static int signal(String s) {
        if (s.matches("\\d{1,3}")) {
            int n = Integer.parseInt(s);
            return n >= 1 && n <= SIGMAX ? n : -1;
        }
        String n = s.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        return SIGNALS.getOrDefault(n, -1);
    }
}
