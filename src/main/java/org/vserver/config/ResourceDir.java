package org.vserver.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.vserver.kernel.CpuList;
import org.vserver.limits.Cpuset;
import org.vserver.limits.IoNice;
import org.vserver.limits.ResourceConfig;

/**
 * Reads {@code sched/} (or the legacy {@code schedule}), the scheduler flags of {@code cflags}
 * (old name {@code flags}), {@code cpuset/}, {@code rlimits/}, {@code ulimits/} and
 * {@code ionice/} into a {@link ResourceConfig}, naming file and line for every bad value.
 * {@link #read} takes only the files of the directory it is given (a running guest's live settings
 * are kept in this layout); {@link #readGuest} adds the fallbacks of {@code rlimits/}
 * ({@link EffectiveLimits}: {@code .defaults/rlimits/}, then the built-in defaults). Everything
 * else is the guest's own, as in util-vserver.
 * {@link #write} stores a {@link ResourceConfig} in the same layout ({@link ResourceWriter}).
 */
public final class ResourceDir {
    private ResourceDir() {}

    /** The files of {@code files}' guest directory only. */
    public static ResourceConfig read(ConfigFiles files) throws ConfigException {
        return new ResourceConfig(SchedFiles.read(files), cpuset(files), LimitFiles.rlimits(files),
                LimitFiles.ulimits(files), ionice(files));
    }

    /** A guest's configuration: {@link #read}, with the effective {@code rlimits/} ({@link EffectiveLimits}). */
    public static ResourceConfig readGuest(ConfigFiles files) throws ConfigException {
        ResourceConfig own = read(files);                          // the guest's files, read once
        return own.withRlimits(EffectiveLimits.of(own.rlimits(), own.ulimits(), files).limits());
    }

    /**
     * Writes {@code cfg} into {@code dir} so that {@link #read} gives it back, replacing the values
     * of an earlier write (files of values no longer set are removed). Used for a running guest's
     * live settings, which {@code vsched}/{@code vlimit} change.
     */
    public static void write(ResourceConfig cfg, Path dir) throws IOException {
        ResourceWriter.write(cfg, dir);
    }

    /** {@code cpuset/{cpus,mems,cpu_exclusive,mem_exclusive}}; {@code name}, {@code nocreate}, {@code virtualized} are ignored. */
    static Cpuset cpuset(ConfigFiles files) throws ConfigException {
        Optional<ConfigFiles.Content> cpus = files.guest("cpuset/cpus");
        Optional<ConfigFiles.Content> mems = files.guest("cpuset/mems");
        Optional<ConfigFiles.Content> cpuEx = files.guest("cpuset/cpu_exclusive");
        Optional<ConfigFiles.Content> memEx = files.guest("cpuset/mem_exclusive");
        return new Cpuset(cpus.isPresent() ? Optional.of(cpuList(cpus.get(), "CPU")) : Optional.empty(),
                mems.isPresent() ? Optional.of(cpuList(mems.get(), "memory node")) : Optional.empty(),
                cpuEx.isPresent() && bool(cpuEx.get()), memEx.isPresent() && bool(memEx.get()));
    }

    /** The kernel's list format; an empty file is refused: a cpuset without CPUs cannot run anything. */
    static CpuList cpuList(ConfigFiles.Content c, String what) throws ConfigException {
        ConfigFiles.Line l = c.scalar();
        if (l.text().isEmpty()) throw l.error("empty " + what + " list (expected the kernel's list format, e.g. 0-3,5)");
        try {
            return CpuList.parse(l.text());
        } catch (IllegalArgumentException e) {
            throw l.error("invalid " + what + " list '" + l.text() + "': " + e.getMessage() + " (expected the kernel's list format, e.g. 0-3,5)");
        }
    }

    /** {@code 1/0/true/false/yes/no}; an empty file is on, as util-vserver's flag files. */
    static boolean bool(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.scalar();
        return switch (l.text().toLowerCase(Locale.ROOT)) {
            case "", "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw l.error("invalid value '" + l.text() + "' (expected 1, 0, true, false, yes or no)");
        };
    }

    /** {@code ionice/class} and {@code ionice/priority}: a class alone gets priority 4, a priority alone best-effort. */
    static Optional<IoNice> ionice(ConfigFiles files) throws ConfigException {
        Optional<ConfigFiles.Content> cls = files.guest("ionice/class");
        Optional<ConfigFiles.Content> prio = files.guest("ionice/priority");
        if (cls.isEmpty() && prio.isEmpty()) return Optional.empty();
        return Optional.of(new IoNice(cls.isPresent() ? ioClass(cls.get().nonEmptyScalar()) : IoNice.BEST_EFFORT,
                prio.isPresent() ? ioPriority(prio.get().nonEmptyScalar()) : 4));
    }

    /** 0 ("none") is what ioprio_get reports for a process that never chose: the kernel treats it as best-effort. */
    static int ioClass(ConfigFiles.Line l) throws ConfigException {
        return switch (l.text().toLowerCase(Locale.ROOT)) {
            case "1", "realtime" -> IoNice.REALTIME;
            case "0", "none", "2", "best-effort" -> IoNice.BEST_EFFORT;
            case "3", "idle" -> IoNice.IDLE;
            default -> throw l.error("invalid I/O class '" + l.text() + "' (expected 1 realtime, 2 best-effort or 3 idle)");
        };
    }

    static int ioPriority(ConfigFiles.Line l) throws ConfigException {
        int p = l.text().matches("\\d") ? Integer.parseInt(l.text()) : -1;
        if (p < 0 || p > 7) throw l.error("invalid I/O priority '" + l.text() + "' (expected 0 (highest) .. 7)");
        return p;
    }

}
