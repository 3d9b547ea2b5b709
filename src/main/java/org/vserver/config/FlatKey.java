package org.vserver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One flat key of {@code vserver NAME config}: its file in the cfgdir, how its value is shown and
 * written, and the check {@link ConfigDir#read} applies to it (so {@code set} refuses what
 * {@code read} would).
 *
 * @param key   the flat name, e.g. {@code init.style}
 * @param path  the file relative to the cfgdir, e.g. {@code apps/init/style}
 * @param kind  how the file holds the value
 * @param check the parser's check; {@link #NO_CHECK} for files read does not interpret
 */
record FlatKey(String key, String path, Kind kind, Check check) {

    /** How a file holds its value; decides rendering (text and JSON) and how {@code set} writes it. */
    enum Kind {
        /** first line; JSON string */
        SCALAR,
        /** first line; JSON number */
        NUMBER,
        /** first line split on whitespace (shell); JSON array */
        WORDLINE,
        /** one item per line, shown and set as a comma list; JSON array */
        LIST,
        /** one argument per line, shown and set space separated; JSON array */
        ARGV,
        /** whitespace separated tokens (killseq), written on one line; JSON array, numbers as numbers */
        WORDS,
        /** multi-line text (fstab); JSON array of the non-comment lines */
        TEXT,
        /** VAR=VAL lines, shown and set space separated; JSON object */
        HASH,
        /** the file exists; JSON true */
        FLAG,
        /** a symlink; the value is its target */
        LINK,
        /** any other file: one line is a string, several are an array, an empty file is a flag */
        GENERIC
    }

    @FunctionalInterface
    interface Check {
        void check(ConfigFiles.Content content) throws ConfigException;
    }

    static final Check NO_CHECK = c -> {};

    private static final List<FlatKey> KNOWN = withResourceKeys(List.of(
            new FlatKey("name", "name", Kind.SCALAR, ConfigDir::displayName),
            new FlatKey("context", "context", Kind.NUMBER, ConfigDir::context),
            new FlatKey("uts.nodename", "uts/nodename", Kind.SCALAR, ConfigDir::nodename),
            new FlatKey("uts.domainname", "uts/domainname", Kind.SCALAR, ConfigDir::domainname),
            new FlatKey("bcapabilities", "bcapabilities", Kind.LIST, Capabilities::bounding),
            new FlatKey("ccapabilities", "ccapabilities", Kind.LIST, Capabilities::context),
            new FlatKey("fstab", "fstab", Kind.TEXT, Fstab::parse),
            new FlatKey("fstab.remote", "fstab.remote", Kind.TEXT, Fstab::parse),
            new FlatKey("init.style", "apps/init/style", Kind.SCALAR, InitDir::style),
            new FlatKey("init.runlevel", "apps/init/runlevel", Kind.SCALAR, InitDir::runlevel),
            new FlatKey("init.runlevel.start", "apps/init/runlevel.start", Kind.SCALAR, InitDir::runlevel),
            new FlatKey("init.runlevel.stop", "apps/init/runlevel.stop", Kind.SCALAR, InitDir::runlevel),
            new FlatKey("init.cmd.start", "apps/init/cmd.start", Kind.ARGV, NO_CHECK),
            new FlatKey("init.cmd.stop", "apps/init/cmd.stop", Kind.ARGV, NO_CHECK),
            new FlatKey("init.cmd.prepare", "apps/init/cmd.prepare", Kind.ARGV, NO_CHECK),
            new FlatKey("init.cmd.start-sync", "apps/init/cmd.start-sync", Kind.ARGV, NO_CHECK),
            new FlatKey("init.cmd.stop-sync", "apps/init/cmd.stop-sync", Kind.ARGV, NO_CHECK),
            new FlatKey("init.killseq", "apps/init/killseq", Kind.WORDS, KillSeq::parse),
            new FlatKey("init.environment", "apps/init/environment", Kind.HASH, ConfigFiles.Content::hash),
            new FlatKey("init.mark", "apps/init/mark", Kind.SCALAR, NO_CHECK),
            new FlatKey("init.depends", "apps/init/depends", Kind.LIST, NO_CHECK),
            new FlatKey("init.timeout.start", "apps/init/timeout.start", Kind.NUMBER, c -> InitDir.seconds(java.util.Optional.of(c), 0)),
            new FlatKey("init.timeout.stop", "apps/init/timeout.stop", Kind.NUMBER, c -> InitDir.seconds(java.util.Optional.of(c), 0)),
            new FlatKey("seccomp.allow", "seccomp/allow", Kind.LIST, NO_CHECK),
            new FlatKey("seccomp.deny", "seccomp/deny", Kind.LIST, NO_CHECK),
            new FlatKey("seccomp.disabled", "seccomp/disabled", Kind.FLAG, NO_CHECK),
            new FlatKey("ionice.class", "ionice/class", Kind.SCALAR, NO_CHECK),
            new FlatKey("ionice.priority", "ionice/priority", Kind.NUMBER, NO_CHECK),
            new FlatKey("schedule", "schedule", Kind.TEXT, NO_CHECK),
            new FlatKey("vprocunhide.files", ProcUnhide.FILE, Kind.LIST, ProcUnhide::check),
            new FlatKey("shell", "shell", Kind.WORDLINE, NO_CHECK),
            new FlatKey("nice", "nice", Kind.NUMBER, ConfigDir::nice),
            new FlatKey("console.size", ConsoleConfig.SIZE_FILE, Kind.SCALAR, ConsoleConfig::size),
            new FlatKey("vdir", "vdir", Kind.LINK, NO_CHECK),
            new FlatKey("userns.uidmap", IdKind.UID.mapFile(), Kind.WORDS, UsernsFiles::range),
            new FlatKey("userns.gidmap", IdKind.GID.mapFile(), Kind.WORDS, UsernsFiles::range),
            new FlatKey("userns.disabled", UsernsFiles.DISABLED, Kind.FLAG, NO_CHECK),
            new FlatKey("userns.shifted", UsernsFiles.SHIFTED, Kind.FLAG, NO_CHECK),
            new FlatKey("interfaces.dev", "interfaces/dev", Kind.SCALAR, c -> Interfaces.device(c.nonEmptyScalar())),
            new FlatKey("interfaces.prefix", "interfaces/prefix", Kind.NUMBER, c -> Interfaces.prefixLength(c.nonEmptyScalar())),
            new FlatKey("interfaces.mask", "interfaces/mask", Kind.SCALAR, c -> Interfaces.maskPrefix(c.nonEmptyScalar())),
            new FlatKey("interfaces.mode", "interfaces/mode", Kind.SCALAR, c -> Interfaces.mode(c.nonEmptyScalar())),
            new FlatKey("interfaces.lback", "interfaces/lback", Kind.SCALAR, c -> Interfaces.lback(c.nonEmptyScalar())),
            new FlatKey("interfaces.lback.allow", "interfaces/lback.allow", Kind.LIST, Interfaces::lbackAllow),
            new FlatKey("interfaces.bcast", "interfaces/bcast", Kind.SCALAR, c -> Interfaces.bcast(c.nonEmptyScalar())),
            new FlatKey("interfaces.bridge", "interfaces/bridge", Kind.SCALAR, c -> Interfaces.device(c.nonEmptyScalar())),
            new FlatKey("interfaces.gateway", "interfaces/gateway", Kind.LIST, Interfaces::gateways),
            new FlatKey("interfaces.nat", "interfaces/nat", Kind.FLAG, NO_CHECK),
            new FlatKey("interfaces.mtu", "interfaces/mtu", Kind.NUMBER, c -> Interfaces.mtu(c.nonEmptyScalar()))));

    /** {@code sched.<field>} for the top-level bucket, {@code cflags}, {@code cpuset.cpus} and {@code cpuset.mems}. */
    private static List<FlatKey> withResourceKeys(List<FlatKey> base) {
        var out = new ArrayList<>(base);
        for (String f : SchedFiles.FIELDS)
            out.add(new FlatKey("sched." + f, "sched/" + f, Kind.NUMBER, c -> SchedFiles.checkValue(c, f)));
        out.add(new FlatKey("cflags", "cflags", Kind.LIST, SchedFiles::cflags));
        out.add(new FlatKey("cpuset.cpus", "cpuset/cpus", Kind.SCALAR, c -> ResourceDir.cpuList(c, "CPU")));
        out.add(new FlatKey("cpuset.mems", "cpuset/mems", Kind.SCALAR, c -> ResourceDir.cpuList(c, "memory node")));
        return List.copyOf(out);
    }

    /** interfaces.NN.FILE ↔ interfaces/NN/FILE; NN must not contain a dot in the key form. */
    private static final Pattern IFACE_KEY = Pattern.compile("interfaces\\.([^./]+)\\.(ip|dev|prefix|mask|name|nodev|disabled)");
    private static final Pattern IFACE_PATH = Pattern.compile("interfaces/([^./][^/]*)/(ip|dev|prefix|mask|name|nodev|disabled)");

    /**
     * {@code rlimits/RES.soft} and friends: util-vserver file names with a dot, which the generic
     * dots-to-slashes rule would get wrong for a guest that has no {@code rlimits/} yet.
     */
    private static final Pattern LIMIT_KEY = Pattern.compile("(rlimits|ulimits)\\.([a-z]+)(?:\\.(soft|hard|min))?");
    private static final Pattern LIMIT_PATH = Pattern.compile("(rlimits|ulimits)/([a-z]+)(?:\\.(soft|hard|min))?");

    /** The flat keys vserver reads, for a message that refuses another: each known key, and the key families. */
    static String knownKeys() {
        var names = new ArrayList<String>();
        for (FlatKey k : KNOWN) names.add(k.key);
        names.add("interfaces.NN.{ip,dev,prefix,mask,name,nodev,disabled}");
        names.add("rlimits.RESOURCE[.soft|.hard|.min]");
        names.add("ulimits.RESOURCE[.soft|.hard|.min]");
        return String.join(", ", names);
    }

    static Optional<FlatKey> known(String key) {
        for (FlatKey k : KNOWN) if (k.key.equals(key)) return Optional.of(k);
        Matcher m = IFACE_KEY.matcher(key);
        if (m.matches()) return Optional.of(iface(m.group(1), m.group(2)));
        m = LIMIT_KEY.matcher(key);
        if (m.matches()) return Optional.of(limit(m));
        return Optional.empty();
    }

    static Optional<FlatKey> byPath(String path) {
        for (FlatKey k : KNOWN) if (k.path.equals(path)) return Optional.of(k);
        Matcher m = IFACE_PATH.matcher(path);
        if (m.matches()) return Optional.of(iface(m.group(1), m.group(2)));
        m = LIMIT_PATH.matcher(path);
        if (m.matches()) return Optional.of(limit(m));
        return Optional.empty();
    }

    /** A file no flat name is reserved for: {@code sched/fill-rate} as {@code sched.fill-rate}. */
    static FlatKey generic(String key, String path) {
        return new FlatKey(key, path, Kind.GENERIC, NO_CHECK);
    }

    /**
     * {@code rlimits/RES[.SUFFIX]} or {@code ulimits/RES[.SUFFIX]} from a {@link #LIMIT_KEY} or
     * {@link #LIMIT_PATH} match: a generic file (shown as written) whose value and name are checked
     * as {@link ResourceDir#read} does.
     */
    private static FlatKey limit(Matcher m) {
        String suffix = m.group(3) == null ? "" : "." + m.group(3);
        String key = m.group(1) + "." + m.group(2) + suffix;
        String path = m.group(1) + "/" + m.group(2) + suffix;
        return new FlatKey(key, path, Kind.GENERIC, c -> LimitFiles.checkValue(c, m.group(1)));
    }

    /** If this is {@code interfaces/NN/FILE}: NN; else null. */
    String interfaceId() {
        Matcher m = IFACE_PATH.matcher(path);
        return m.matches() ? m.group(1) : null;
    }

    private static FlatKey iface(String id, String file) {
        String key = id.contains(".") ? "interfaces/" + id + "/" + file : "interfaces." + id + "." + file;
        String path = "interfaces/" + id + "/" + file;
        return switch (file) {
            case "ip" -> new FlatKey(key, path, Kind.SCALAR, c -> Interfaces.address(c.nonEmptyScalar()));
            case "dev" -> new FlatKey(key, path, Kind.SCALAR, c -> Interfaces.device(c.nonEmptyScalar()));
            case "prefix" -> new FlatKey(key, path, Kind.NUMBER, c -> Interfaces.prefixLength(c.nonEmptyScalar()));
            case "mask" -> new FlatKey(key, path, Kind.SCALAR, c -> Interfaces.maskPrefix(c.nonEmptyScalar()));
            case "name" -> new FlatKey(key, path, Kind.SCALAR, c -> Interfaces.label(c.nonEmptyScalar()));
            default -> new FlatKey(key, path, Kind.FLAG, NO_CHECK);
        };
    }
}
