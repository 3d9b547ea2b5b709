package org.vserver.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.vserver.limits.Sched;
import org.vserver.limits.TokenBucket;

/**
 * {@code sched/} (or the legacy {@code schedule} file) and the scheduler flags of {@code cflags}
 * (old name {@code flags}). Only the guest's own files count, as in util-vserver: a host-wide
 * scheduler default would give every guest the same bucket, which is rarely meant.
 */
final class SchedFiles {
    private SchedFiles() {}

    /** The integer files of {@code sched/}, in the order of the legacy {@code schedule} lines (first six). */
    static final List<String> FIELDS = List.of("fill-rate", "interval", "tokens", "tokens-min", "tokens-max",
            "priority-bias", "fill-rate2", "interval2");

    /** The context flags of reference §4.5 that are valid here but are not the scheduler's. */
    static final List<String> OTHER_FLAGS = List.of("lock", "nproc", "private", "fakeinit", "hideinfo", "ulimit",
            "namespace", "virt_mem", "virt_uptime", "virt_cpu", "virt_load", "virt_time", "hide_mount", "hide_netif",
            "hide_vinfo", "state_setup", "state_init", "state_admin", "sc_helper", "reboot_kill", "persistent",
            "fork_rss", "prolific", "igneg_nice", "igneg_ionice", "default", "secure");
    static final List<String> SCHED_FLAGS = List.of("sched_hard", "sched_prio", "sched_pause");

    /** Where file contents come from: the guest's files, or those with one value about to be written. */
    @FunctionalInterface
    interface Source {
        Optional<ConfigFiles.Content> get(String rel) throws ConfigException;
    }

    /**
     * The values one directory sets, each with its line (an {@code idle-time} flag at line 0), so a
     * broken rule can name the file that holds the value.
     */
    private record Values(Map<String, ConfigFiles.Line> lines) {
        Values overlay(Values over) {
            var m = new HashMap<>(lines);
            m.putAll(over.lines);
            return new Values(m);
        }

        TokenBucket bucket() throws ConfigException {
            TokenBucket d = TokenBucket.DEFAULTS;
            // Unset fill levels follow a smaller bucket: a guest that only says tokens-max 40 means
            // a bucket of 40, not an error about the default initial fill of 250.
            int max = get("tokens-max", d.tokensMax());
            return new TokenBucket(get("fill-rate", d.fillRate()), get("interval", d.interval()),
                    get("tokens", Math.min(d.tokens(), max)), get("tokens-min", Math.min(d.tokensMin(), max)), max,
                    get("priority-bias", d.prioBias()), lines.containsKey("idle-time"),
                    get("fill-rate2", d.fillRate2()), get("interval2", d.interval2()));
        }

        private int get(String field, int dflt) throws ConfigException {
            ConfigFiles.Line l = lines.get(field);
            return l == null ? dflt : integer(l, field);
        }

        /**
         * The bucket, checked; a broken rule names the file of an involved value, one in
         * {@code where} first, else {@code where} itself.
         */
        TokenBucket checked(Path where) throws ConfigException {
            TokenBucket b = bucket();
            Optional<TokenBucket.Violation> bad = b.violation();
            if (bad.isEmpty()) return b;
            // a value of this directory before an inherited one: it is what makes this bucket differ
            for (boolean own : new boolean[] {true, false})
                for (String f : bad.get().fields()) {
                    ConfigFiles.Line l = lines.get(f);
                    if (l != null && l.file().startsWith(where) == own) throw l.error(bad.get().message());
                }
            throw new ConfigException(where, bad.get().message());
        }
    }

    static Sched read(ConfigFiles files) throws ConfigException {
        return read(files, files::guest, Files.isDirectory(files.guestDir().resolve("sched")));
    }

    /**
     * @param schedDir read {@code sched/} rather than the legacy {@code schedule} (util-vserver uses
     *                 the legacy file only when {@code sched/} is absent)
     */
    static Sched read(ConfigFiles files, Source source, boolean schedDir) throws ConfigException {
        Path sched = files.guestDir().resolve("sched");
        Values top = schedDir ? values(files, source, "sched/") : legacy(source);
        TokenBucket bucket = top.checked(sched);
        var perCpu = new TreeMap<Integer, TokenBucket>();
        var dirOf = new HashMap<Integer, String>();
        if (schedDir) {
            for (String x : files.subdirectories("sched")) {
                String d = "sched/" + x + "/";
                ConfigFiles.Line id = source.get(d + "cpu-id").orElseThrow(() -> new ConfigException(sched.resolve(x),
                        "per-CPU scheduler directory has no 'cpu-id' file (expected the CPU number in it)")).nonEmptyScalar();
                int cpu = cpuId(id);
                source.get(d + "bucket-id"); // VServer only carried bucket ids along; read for a readable file, then ignored
                if (dirOf.containsKey(cpu))
                    throw id.error("CPU " + cpu + " already has its values in sched/" + dirOf.get(cpu) + " (one directory per CPU)");
                dirOf.put(cpu, x);
                perCpu.put(cpu, top.overlay(values(files, source, d)).checked(sched.resolve(x)));
            }
        }
        Flags flags = flags(source);
        return new Sched(bucket, perCpu, flags.hard, flags.prio, flags.pause);
    }

    private static Values values(ConfigFiles files, Source source, String dir) throws ConfigException {
        var m = new HashMap<String, ConfigFiles.Line>();
        for (String f : FIELDS) {
            Optional<ConfigFiles.Content> c = source.get(dir + f);
            if (c.isPresent()) m.put(f, c.get().nonEmptyScalar());
        }
        // a flag: present = on, whatever it holds (util-vserver tests for existence only)
        Path idle = files.guestDir().resolve(dir + "idle-time");
        if (Files.exists(idle)) m.put("idle-time", new ConfigFiles.Line(idle, 0, ""));
        return new Values(m);
    }

    /** {@code schedule}: fill-rate, interval, tokens, tokens-min, tokens-max, prio-bias, one per line. */
    private static Values legacy(Source source) throws ConfigException {
        var m = new HashMap<String, ConfigFiles.Line>();
        Optional<ConfigFiles.Content> c = source.get("schedule");
        if (c.isEmpty()) return new Values(m);
        List<String> lines = c.get().lines();
        for (int i = 0; i < lines.size(); i++) {
            var l = new ConfigFiles.Line(c.get().file(), i + 1, lines.get(i).strip());
            if (i >= 6) {
                if (!l.text().isEmpty())
                    throw l.error("extra line (the schedule file has 6: fill-rate, interval, tokens, tokens-min, tokens-max, prio-bias)");
                continue;
            }
            if (l.text().isEmpty()) throw l.error("empty line (expected " + FIELDS.get(i) + ", an integer)");
            m.put(FIELDS.get(i), l);
        }
        return new Values(m);
    }

    /**
     * The check of {@code config set sched.<field>}: the value is an integer, and {@code sched/}
     * with it in place of the file passes every rule of {@link TokenBucket#check} (also for the
     * per-CPU directories that inherit it). {@code c.file()} is {@code <cfgdir>/sched/<field>}.
     */
    static void checkValue(ConfigFiles.Content c, String field) throws ConfigException {
        integer(c.nonEmptyScalar(), field);
        Path cfgdir = c.file().getParent().getParent();
        var files = new ConfigFiles(cfgdir, cfgdir.resolveSibling(".defaults"));
        String rel = "sched/" + field;
        // sched/ exists once this value is written, so the legacy schedule file no longer counts
        read(files, r -> r.equals(rel) ? Optional.of(c) : files.guest(r), true);
    }

    static int integer(ConfigFiles.Line l, String field) throws ConfigException {
        if (l.text().matches("[-+]?\\d{1,10}")) {
            long v = Long.parseLong(l.text());
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return (int) v;
        }
        throw l.error("invalid " + field + " '" + l.text() + "' (expected an integer)");
    }

    /** A CPU number as in {@link org.vserver.kernel.CpuList} (0..8191). */
    static int cpuId(ConfigFiles.Line l) throws ConfigException {
        int cpu = l.text().matches("\\d{1,4}") ? Integer.parseInt(l.text()) : -1;
        if (cpu < 0 || cpu > 8191) throw l.error("invalid cpu-id '" + l.text() + "' (expected a CPU number 0..8191)");
        return cpu;
    }

    private record Flags(boolean hard, boolean prio, boolean pause) {}

    private static Flags flags(Source source) throws ConfigException {
        Optional<ConfigFiles.Content> c = source.get("cflags");
        if (c.isEmpty()) c = source.get("flags");
        if (c.isEmpty()) return new Flags(false, false, false);
        List<String> names = cflags(c.get());
        return new Flags(names.contains("sched_hard"), names.contains("sched_prio"), names.contains("sched_pause"));
    }

    /**
     * {@code cflags}: one flag per line or comma separated, any case; every name of reference §4.5
     * is accepted (the scheduler's and the views are used here), any other is an error. A flag
     * after {@code !} or {@code ~} (util-vserver's negation) is cleared: only a view's matters,
     * turning off what {@code .defaults} turns on.
     *
     * @return the flag names, lower case, in file order; a cleared one as {@code !name}
     */
    static List<String> cflags(ConfigFiles.Content c) throws ConfigException {
        var out = new java.util.ArrayList<String>();
        for (ConfigFiles.Line l : c.items())
            for (String part : l.text().split(",")) {
                String name = part.strip().toLowerCase(java.util.Locale.ROOT);
                boolean cleared = name.startsWith("!") || name.startsWith("~");
                if (cleared) name = name.substring(1).strip();
                if (name.isEmpty()) continue;
                if (!SCHED_FLAGS.contains(name) && !OTHER_FLAGS.contains(name))
                    throw l.error("unknown context flag '" + part.strip() + "' (expected one of: "
                            + String.join(", ", SCHED_FLAGS) + ", " + String.join(", ", OTHER_FLAGS) + ")");
                out.add(cleared ? "!" + name : name);
            }
        return out;
    }

    /**
     * The views a guest gets ({@link ProcView}): those {@code .defaults/cflags} names (all, without
     * that file), then the guest's {@code cflags} (or {@code flags}): {@code virt_mem} turns one on,
     * {@code !virt_mem} off.
     */
    static java.util.Set<ProcView> views(ConfigFiles files) throws ConfigException {
        var views = java.util.EnumSet.allOf(ProcView.class);
        Optional<ConfigFiles.Content> d = ConfigFiles.read(files.defaultsDir().resolve("cflags"));
        if (d.isPresent()) {
            views.clear();
            apply(views, cflags(d.get()));
        }
        Optional<ConfigFiles.Content> g = files.guest("cflags");
        if (g.isEmpty()) g = files.guest("flags");
        if (g.isPresent()) apply(views, cflags(g.get()));
        return java.util.Set.copyOf(views);
    }

    private static void apply(java.util.Set<ProcView> views, List<String> flags) {
        for (String f : flags) {
            boolean off = f.startsWith("!");
            ProcView.ofFlag(off ? f.substring(1) : f).ifPresent(v -> {
                if (off) views.remove(v);
                else views.add(v);
            });
        }
    }
}
