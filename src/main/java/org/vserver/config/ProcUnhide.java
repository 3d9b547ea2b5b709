package org.vserver.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code apps/vprocunhide/files}, in {@code .defaults/} and (our addition) in the guest's cfgdir:
 * VServer's list format (vserver.md §5.6) read as changes to the secure default.
 *
 * <p>One path per line, absolute, below /proc or /sys; a trailing '/' takes in everything below it.
 * Blank lines and {@code #} lines are ignored. The prefix says what the guest gets:
 * <ul>
 *   <li>none or {@code +}: visible. Any mask of the path (with '/': and below it) is removed. Write
 *       protection is the default's: the path is read-only if the secure default makes it so or it
 *       lies in a read-only tree such as /proc/sys, and a {@code >} for it (or below, with '/')
 *       earlier is undone.</li>
 *   <li>{@code -}, {@code ~}, {@code :}, {@code !}: hidden. VServer's admin/watch variants decide which
 *       host contexts still see the entry; a guest sees none of them. A file is covered by /dev/null,
 *       a directory (trailing '/', or a directory on the host) by an empty read-only tmpfs; whatever
 *       lay below it is dropped from the lists.</li>
 *   <li>{@code >}: visible and writable: off the read-only list (with '/': and everything below it);
 *       inside a read-only tree it is bound onto itself read-write after the tree. /proc only: the
 *       guest's sysfs is a read-only superblock as a whole.</li>
 * </ul>
 * Lines apply in order, {@code .defaults} first, then the guest's: a later line for a path replaces
 * an earlier one. A visible or writable path inside a hidden directory is an error (the empty tmpfs
 * has no entry to show); unhide the directory first. Entries missing on the running kernel are
 * skipped when the plan is made, as the default's are.
 */
public final class ProcUnhide {
    private ProcUnhide() {}

    /** The list's place, relative to {@code .defaults/} and to the cfgdir. */
    static final String FILE = "apps/vprocunhide/files";

    enum Action { VISIBLE, HIDDEN, WRITABLE }

    /**
     * One line of the list.
     *
     * @param path without the trailing '/'
     * @param tree the line ended in '/': it takes in everything below the path
     */
    record Rule(Action action, String path, boolean tree, ConfigFiles.Line line) {}

    /** The secure default, then {@code .defaults}' list, then the guest's. */
    static ProcVisibility read(ConfigFiles files) throws ConfigException {
        ProcVisibility v = ProcVisibility.SECURE_DEFAULT;
        Optional<ConfigFiles.Content> defaults = ConfigFiles.read(files.defaultsDir().resolve(FILE));
        if (defaults.isPresent()) v = apply(v, defaults.get());
        Optional<ConfigFiles.Content> guest = files.guest(FILE);
        if (guest.isPresent()) v = apply(v, guest.get());
        return v.withViews(SchedFiles.views(files));
    }

    /**
     * The check {@code config set} runs: what {@link #read} would make of {@code c} as the guest's
     * list, after the {@code .defaults} list next to the guest's cfgdir ({@code c} lives in
     * confdir/NAME/apps/vprocunhide/files).
     */
    static void check(ConfigFiles.Content c) throws ConfigException {
        ProcVisibility v = ProcVisibility.SECURE_DEFAULT;
        Path cfgdir = c.file().getParent().getParent().getParent();
        if (cfgdir != null && cfgdir.getParent() != null) {
            Optional<ConfigFiles.Content> defaults = ConfigFiles.read(cfgdir.getParent().resolve(".defaults").resolve(FILE));
            if (defaults.isPresent()) v = apply(v, defaults.get());
        }
        apply(v, c);
    }

    /** {@code base} with every line of {@code c} applied, in order. */
    public static ProcVisibility apply(ProcVisibility base, ConfigFiles.Content c) throws ConfigException {
        var s = new State(base);
        for (ConfigFiles.Line l : c.items()) s.apply(rule(l));
        return s.result();
    }

    static Rule rule(ConfigFiles.Line l) throws ConfigException {
        String t = l.text();
        char p = t.charAt(0);
        Action a = switch (p) {
            case '+' -> Action.VISIBLE;
            case '-', '~', ':', '!' -> Action.HIDDEN;
            case '>' -> Action.WRITABLE;
            default -> null;
        };
        String path = a == null ? t : t.substring(1).strip();
        if (a == null) a = Action.VISIBLE;
        if (path.isEmpty()) throw l.error("no path after '" + p + "'");
        if (path.chars().anyMatch(Character::isWhitespace))
            throw l.error("'" + path + "' contains whitespace: one path per line, comments only on lines of their own");
        if (!path.startsWith("/")) throw l.error("'" + path + "' must be an absolute path (/proc/... or /sys/...)");
        boolean tree = path.endsWith("/");
        String bare = tree ? path.substring(0, path.length() - 1) : path;
        for (String seg : bare.substring(1).split("/", -1)) {
            if (seg.equals("..") || seg.equals(".")) throw l.error("'" + path + "' must not contain '" + seg + "'");
            if (seg.isEmpty()) throw l.error("'" + path + "' has an empty component ('//')");
        }
        if (!ProcVisibility.isInside(bare, "/proc") && !ProcVisibility.isInside(bare, "/sys"))
            throw l.error("'" + path + "' is not below /proc or /sys: the list only changes what the guest sees there");
        if (a == Action.WRITABLE && ProcVisibility.isInside(bare, "/sys"))
            throw l.error("'>" + path + "': the guest's /sys is a read-only sysfs as a whole; '>' is for /proc entries");
        if (a != Action.VISIBLE) {
            String link = symlinkIn(bare);
            if (link != null)
                throw l.error("'" + path + "' goes through " + link + ", a per-process link on this host: a mount would follow it"
                        + " and cover one process's entry only");
        }
        return new Rule(a, bare, tree, l);
    }

    /**
     * The first of {@code path} and its ancestors that is a symbolic link on this host (/proc/self,
     * /proc/net, /proc/mounts, ...), or null. mount(2) follows such a link, to the guest init's own
     * /proc/PID entry when the plan runs, so the mask or bind would not be what the line says.
     */
    private static String symlinkIn(String path) {
        for (int i = path.indexOf('/', 1); ; i = path.indexOf('/', i + 1)) {
            String prefix = i < 0 ? path : path.substring(0, i);
            if (java.nio.file.Files.isSymbolicLink(Path.of(prefix))) return prefix;
            if (i < 0) return null;
        }
    }

    /** The four lists while the lines are applied. */
    private static final class State {
        final List<String> files, dirs, readOnly, writable;

        State(ProcVisibility v) {
            files = new ArrayList<>(v.maskedFiles());
            dirs = new ArrayList<>(v.maskedDirs());
            readOnly = new ArrayList<>(v.readOnly());
            writable = new ArrayList<>(v.writable());
        }

        void apply(Rule r) throws ConfigException {
            String p = r.path();
            switch (r.action()) {
                case HIDDEN -> {
                    if (hiddenAncestor(p) != null) return;       // already behind an empty tmpfs
                    for (List<String> l : List.of(files, dirs, readOnly, writable)) l.removeIf(x -> x.equals(p) || ProcVisibility.isInside(x, p));
                    (r.tree() ? dirs : files).add(p);
                }
                case VISIBLE, WRITABLE -> {
                    String d = hiddenAncestor(p);
                    if (d != null)
                        throw r.line().error("'" + p + "' lies inside the hidden " + d + " (an empty tmpfs): make " + d
                                + "/ visible first");
                    files.removeIf(x -> covered(x, r));
                    dirs.removeIf(x -> covered(x, r));
                    if (r.action() == Action.WRITABLE) {
                        readOnly.removeIf(x -> covered(x, r));
                        if (!writable.contains(p)) writable.add(p);
                    } else {
                        writable.removeIf(x -> covered(x, r));
                        // back to the default's protection: a read-only default entry an earlier '>' took off
                        for (String x : ProcVisibility.SECURE_DEFAULT.readOnly())
                            if (covered(x, r) && !readOnly.contains(x) && hiddenAncestor(x) == null) readOnly.add(x);
                    }
                }
            }
        }

        /** The masked path {@code p} lies strictly below, or null. */
        String hiddenAncestor(String p) {
            for (String m : files) if (ProcVisibility.isInside(p, m)) return m;
            for (String m : dirs) if (ProcVisibility.isInside(p, m)) return m;
            return null;
        }

        /** Whether the rule's line speaks about {@code x}: its path, or below it for a trailing '/'. */
        static boolean covered(String x, Rule r) {
            return x.equals(r.path()) || r.tree() && ProcVisibility.isInside(x, r.path());
        }

        /** Writable paths outside every read-only tree are writable without a bind: dropped. */
        ProcVisibility result() {
            var v = new ProcVisibility(files, dirs, readOnly, List.of());
            return new ProcVisibility(files, dirs, readOnly, writable.stream().filter(w -> v.readOnlyTreeOf(w) != null).toList());
        }
    }
}
