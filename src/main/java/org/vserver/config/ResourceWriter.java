package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import org.vserver.kernel.CpuList;
import org.vserver.limits.IoNice;
import org.vserver.limits.Limit;
import org.vserver.limits.LimitValue;
import org.vserver.limits.ResourceConfig;
import org.vserver.limits.Sched;
import org.vserver.limits.TokenBucket;
import org.vserver.limits.Resource;

/**
 * Writes a {@link ResourceConfig} as the files {@link ResourceDir#read} reads: every value of
 * {@code sched/} (defaults included, so the tree says what runs), one {@code sched/<cpu>/} per
 * CPU with its full bucket, {@code cflags} with the scheduler flags only, {@code cpuset/},
 * {@code rlimits/<res>.soft|.hard|.min}, {@code ulimits/<res>.soft|.hard} and {@code ionice/}.
 * Each file is replaced atomically; files of values no longer set are removed. Files this writer
 * does not know (e.g. {@code cpuset/name}) are left alone.
 */
final class ResourceWriter {
    private ResourceWriter() {}

    static void write(ResourceConfig cfg, Path dir) throws IOException {
        sched(cfg.sched(), dir);
        cpuset(cfg, dir.resolve("cpuset"));
        limits(dir.resolve("rlimits"), cfg.rlimits(), r -> r.lowerName(), LimitFiles.RLIMIT_SUFFIXES,
                n -> LimitFiles.parseName(n, Resource::byName, LimitFiles.RLIMIT_SUFFIXES).isPresent());
        limits(dir.resolve("ulimits"), cfg.ulimits(), r -> r.lowerName(), LimitFiles.ULIMIT_SUFFIXES,
                n -> LimitFiles.parseName(n, LimitFiles::rlimitByName, LimitFiles.ULIMIT_SUFFIXES).isPresent());
        ionice(cfg.ionice(), dir.resolve("ionice"));
    }

    private static void sched(Sched s, Path dir) throws IOException {
        Path sched = dir.resolve("sched");
        bucket(s.bucket(), sched);
        var names = new HashSet<String>();
        for (var e : s.perCpu().entrySet()) {
            // idle-time is a flag that per-CPU directories inherit: "off" under an "on" top level has no file form
            if (s.bucket().idleTime() && !e.getValue().idleTime())
                throw new IllegalArgumentException("CPU " + e.getKey() + ": idle-time off while the guest-wide"
                        + " idle-time is on cannot be stored in sched/ (a per-CPU directory inherits the flag)");
            String name = Integer.toString(e.getKey());
            names.add(name);
            Path d = sched.resolve(name);
            ConfigFiles.writeAtomically(d.resolve("cpu-id"), name + "\n");
            Files.deleteIfExists(d.resolve("bucket-id"));
            bucket(e.getValue(), d);
        }
        try (Stream<Path> l = Files.list(sched)) {
            for (Path d : l.toList())
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && Files.exists(d.resolve("cpu-id"))
                        && !names.contains(d.getFileName().toString()))
                    deleteTree(d);
        }
        var flags = new ArrayList<String>();
        if (s.hard()) flags.add("sched_hard");
        if (s.prio()) flags.add("sched_prio");
        if (s.pause()) flags.add("sched_pause");
        // always written, even empty: an old "flags" file must not come back into force
        ConfigFiles.writeAtomically(dir.resolve("cflags"), ConfigFiles.lines(flags));
    }

    private static void bucket(TokenBucket b, Path d) throws IOException {
        int[] v = {b.fillRate(), b.interval(), b.tokens(), b.tokensMin(), b.tokensMax(), b.prioBias(), b.fillRate2(), b.interval2()};
        for (int i = 0; i < v.length; i++) ConfigFiles.writeAtomically(d.resolve(SchedFiles.FIELDS.get(i)), v[i] + "\n");
        flag(d.resolve("idle-time"), b.idleTime());
    }

    private static void cpuset(ResourceConfig cfg, Path d) throws IOException {
        list(d.resolve("cpus"), cfg.cpuset().cpus());
        list(d.resolve("mems"), cfg.cpuset().mems());
        bool(d.resolve("cpu_exclusive"), cfg.cpuset().cpuExclusive());
        bool(d.resolve("mem_exclusive"), cfg.cpuset().memExclusive());
    }

    private static void list(Path f, Optional<CpuList> l) throws IOException {
        if (l.isPresent()) ConfigFiles.writeAtomically(f, l.get() + "\n");
        else Files.deleteIfExists(f);
    }

    private static void bool(Path f, boolean on) throws IOException {
        if (on) ConfigFiles.writeAtomically(f, "1\n");
        else Files.deleteIfExists(f);
    }

    private static void flag(Path f, boolean on) throws IOException {
        if (on) {
            if (!Files.exists(f)) ConfigFiles.writeAtomically(f, "");
        } else {
            Files.deleteIfExists(f);
        }
    }

    private static <K> void limits(Path d, Map<K, Limit> limits, Function<K, String> name, List<String> suffixes,
                                   java.util.function.Predicate<String> ours) throws IOException {
        Set<String> keep = new HashSet<>();
        for (var e : limits.entrySet()) {
            Limit l = e.getValue();
            String n = name.apply(e.getKey());
            if (l.min().isPresent() && !suffixes.contains("min"))
                throw new IllegalArgumentException(d.getFileName() + "/" + n + ": a minimum cannot be stored here");
            if (l.soft().isPresent()) write(d, n + ".soft", l.soft().getAsLong(), keep);
            if (l.hard().isPresent()) write(d, n + ".hard", l.hard().getAsLong(), keep);
            if (l.min().isPresent()) write(d, n + ".min", l.min().getAsLong(), keep);
        }
        if (!Files.isDirectory(d)) return;
        try (Stream<Path> s = Files.list(d)) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                if (!keep.contains(n) && ours.test(n) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) Files.delete(f);
            }
        }
    }

    private static void write(Path d, String file, long value, Set<String> keep) throws IOException {
        ConfigFiles.writeAtomically(d.resolve(file), LimitValue.format(value) + "\n");
        keep.add(file);
    }

    private static void ionice(Optional<IoNice> io, Path d) throws IOException {
        if (io.isPresent()) {
            ConfigFiles.writeAtomically(d.resolve("class"), io.get().ioClass() + "\n");
            ConfigFiles.writeAtomically(d.resolve("priority"), io.get().priority() + "\n");
        } else {
            Files.deleteIfExists(d.resolve("class"));
            Files.deleteIfExists(d.resolve("priority"));
        }
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> w = Files.walk(d)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
