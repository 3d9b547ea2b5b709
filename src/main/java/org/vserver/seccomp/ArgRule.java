package org.vserver.seccomp;

import java.util.List;

/**
 * A decision that reads arguments: the first {@link Check} that matches gives the action, else
 * {@code otherwise}. Only the low 32 bits of an argument are compared: every argument checked
 * here (clone and unshare flags, personality, socket family) is an int or has its meaningful bits
 * there, and it keeps each check one load.
 */
public record ArgRule(List<Check> checks, Action otherwise) implements Decision {
    public ArgRule { checks = List.copyOf(checks); }

    public enum Test {
        /** the argument equals the value */
        EQ,
        /** the argument has any bit of the value set */
        ANY_BIT
    }

    /** @param arg the argument index 0..5 */
    public record Check(int arg, Test test, int value, Action action) {
        public Check {
            if (arg < 0 || arg > 5) throw new IllegalArgumentException("argument " + arg);
        }

        boolean matches(long argument) {
            int low = (int) argument;
            return test == Test.EQ ? low == value : (low & value) != 0;
        }
    }

    /** What the rule decides for these argument values (a reference for tests and messages). */
    public Action decide(long... args) {
        for (Check c : checks) if (c.matches(c.arg() < args.length ? args[c.arg()] : 0)) return c.action();
        return otherwise;
    }
}
