package org.vserver.fs;

import java.util.List;

/**
 * The words after {@code --} for one method, read left to right like util-vserver's getopt loops.
 * Every complaint ends with the method's usage line.
 */
final class MethodArgs {
    private final String method;
    private final String usage;
    private final List<String> words;
    private int next;

    MethodArgs(String method, String usage, List<String> words) {
        this.method = method;
        this.usage = usage;
        this.words = words == null ? List.of() : List.copyOf(words);
    }

    boolean hasNext() {
        return next < words.size();
    }

    String peek() {
        return words.get(next);
    }

    String next() {
        return words.get(next++);
    }

    /** The value after {@code option}, which was just read. */
    String value(String option) throws BuildException {
        if (!hasNext()) {
            throw usage("option " + option + " needs a value");
        }
        return next();
    }

    /** Everything not read yet. */
    List<String> rest() {
        List<String> rest = words.subList(next, words.size());
        next = words.size();
        return List.copyOf(rest);
    }

    BuildException usage(String problem) {
        return new BuildException(method, problem + "\nusage: vserver NAME build -m " + method
                + (usage.isEmpty() ? "" : " -- " + usage));
    }

    BuildException unknown(String word) {
        return usage("unknown argument '" + word + "'");
    }
}
