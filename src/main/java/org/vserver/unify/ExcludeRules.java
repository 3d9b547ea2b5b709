package org.vserver.unify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vserver.config.ConfigException;

/**
 * util-vserver's unification exclude list (rsync-like). One glob per line: {@code +path} makes a
 * candidate, a bare {@code path} or {@code -path} excludes, {@code ~path} is a secret that is never
 * linked whatever else says. Rules are tried in order and the first match wins; a rule matches a
 * path if its glob matches the path or one of its ancestors, so {@code /etc/*} covers
 * {@code /etc/ssh/sshd_config}. Secrets are tried before everything else.
 */
public final class ExcludeRules {

    /** What a list says about one path. */
    public enum Verdict {
        /** may be unified */
        CANDIDATE,
        /** left alone */
        EXCLUDED,
        /** never linked (keys, password files): a secret shared between guests is a leak */
        SECRET
    }

    private enum Kind { INCLUDE, EXCLUDE, SECRET }

    private record Rule(Kind kind, Glob glob) {}

    /** util-vserver's packaged {@code vunify-exclude}, with the includes before the {@code /etc/*} they punch holes in. */
    /**
     * util-vserver's packaged list, with one deliberate change: the package managers' databases
     * under /var that every guest of a release has byte for byte (dpkg's per-package lists and
     * sums, apt's package lists and caches: most of a minimal Debian's /var, 80 of its 86 MB) are
     * candidates. VServer excluded all of /var because a unified file could not be changed in place
     * before COW link breaking; here a write copies the file into that guest's private layer, and
     * apt and dpkg replace these files by rename anyway.
     */
    private static final List<String> BUILTIN = List.of(
            "+/var/lib/dpkg/info", "+/var/lib/apt/lists", "+/var/cache/apt", "+/var/cache/debconf/templates.dat",
            "/.rpmdb", "/dev",
            "+/etc/termcap", "+/etc/gconf/schemas", "/etc/*",
            "~/etc/passwd", "~/etc/shadow", "~/etc/group", "~/etc/gshadow", "~/etc/ssh/ssh_host_*",
            "/home", "/proc", "/mnt",
            "~/root/.ssh", "~/root/.gnupg", "/root/*",
            "/selinux", "/sys", "/tmp", "/var", "/run", "/*/ls-R");

    private final List<Rule> rules;

    private ExcludeRules(List<Rule> rules) { this.rules = List.copyOf(rules); }

    /** Parses {@code lines} (the content of {@code file}, which is only named in errors). */
    public static ExcludeRules parse(Path file, List<String> lines) throws ConfigException {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            Kind kind = switch (line.charAt(0)) {
                case '+' -> Kind.INCLUDE;
                case '~' -> Kind.SECRET;
                default -> Kind.EXCLUDE;
            };
            String glob = "+-~".indexOf(line.charAt(0)) >= 0 ? line.substring(1).strip() : line;
            if (!glob.startsWith("/"))
                throw new ConfigException(file, i + 1, "exclude rule `" + lines.get(i).strip()
                        + "` is not an absolute path: write it from the guest's root, e.g. `/" + glob + "`");
            if (glob.length() > 1 && glob.endsWith("/")) glob = glob.substring(0, glob.length() - 1);
            rules.add(new Rule(kind, Glob.of(glob)));
        }
        return new ExcludeRules(rules);
    }

    /** util-vserver's packaged list. */
    public static ExcludeRules builtin() {
        try {
            return parse(Path.of("(builtin vunify-exclude)"), BUILTIN);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }

    /** The rules of this list, then those of {@code later} (util-vserver: guest's, then .defaults', then packaged). */
    public ExcludeRules then(ExcludeRules later) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(later.rules);
        return new ExcludeRules(all);
    }

    /** What the list says about {@code absPath} (absolute, from the tree's root, no trailing '/'). */
    public Verdict classify(String absPath) {
        for (Rule r : rules)
            if (r.kind == Kind.SECRET && matchesSelfOrAncestor(r.glob, absPath)) return Verdict.SECRET;
        int first = firstMatch(absPath);
        if (first < 0) return Verdict.CANDIDATE;
        return rules.get(first).kind == Kind.INCLUDE ? Verdict.CANDIDATE : Verdict.EXCLUDED;
    }

    /**
     * True if nothing at or below directory {@code absDir} can be a candidate, so a walk need not
     * enter it. Below an excluded directory only an include rule tried before the one that
     * excluded it could still make a candidate, and only if its glob can reach that deep.
     */
    boolean prunes(String absDir) {
        for (Rule r : rules)
            if (r.kind == Kind.SECRET && matchesSelfOrAncestor(r.glob, absDir)) return true;
        int first = firstMatch(absDir);
        if (first < 0 || rules.get(first).kind == Kind.INCLUDE) return false;
        for (int i = 0; i < first; i++)
            if (rules.get(i).kind == Kind.INCLUDE && rules.get(i).glob.mayMatchUnder(absDir)) return false;
        return true;
    }

    private int firstMatch(String absPath) {
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.kind != Kind.SECRET && matchesSelfOrAncestor(r.glob, absPath)) return i;
        }
        return -1;
    }

    private static boolean matchesSelfOrAncestor(Glob glob, String path) {
        for (String p = path; !p.isEmpty(); p = p.substring(0, Math.max(0, p.lastIndexOf('/'))))
            if (glob.matches(p)) return true;
        return false;
    }
}
