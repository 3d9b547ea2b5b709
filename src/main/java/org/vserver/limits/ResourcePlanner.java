package org.vserver.limits;

import org.vserver.kernel.CpuList;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vserver.cgroup.CgroupLimits;
import org.vserver.kernel.Rlimit;

/**
 * Turns a {@link ResourceConfig} into what this kernel enforces ({@link ResourcePlan}): pure
 * arithmetic, no I/O. The CPU part is {@link CpuShare}.
 */
public final class ResourcePlanner {
    private ResourcePlanner() {}

    /**
     * @param cfg  the guest's (live) resource configuration
     * @param host the CPUs guests may use on this host ({@code CgroupManager#cpus})
     * @throws LimitException if the configuration cannot be enforced here (cpus the host lacks)
     */
    public static ResourcePlan plan(ResourceConfig cfg, CpuList host) throws LimitException {
        List<String> notes = new ArrayList<>();
        Optional<CpuList> cpus = cfg.cpuset().cpus().filter(c -> !c.isEmpty());
        if (cpus.isPresent() && !host.containsAll(cpus.get()))
            throw new LimitException("cpuset/cpus: CPUs " + cpus.get().minus(host) + " are not available to guests on this host (it has "
                    + host + ")");
        // Memory nodes are not checked: only the cpuset controller knows the host's, at apply time.
        CpuShare cpu = CpuShare.of(cfg.sched(), cpus.orElse(host));
        notes.addAll(cpu.notes());
        var limits = new CgroupLimits(cpu.bandwidth(), cpu.weight(), cpus, cfg.cpuset().mems().filter(m -> !m.isEmpty()),
                cfg.cpuset().cpuExclusive(), cfg.cpuset().memExclusive(), memory(cfg.rlimit(Resource.RSS)),
                pidsMax(cfg.rlimit(Resource.NPROC), notes), ioWeight(cfg.ionice()), cfg.sched().pause());
        List<ResourcePlan.ProcessLimit> process = processLimits(cfg, notes);
        for (Resource r : cfg.rlimits().keySet())
            if (r.scope() == Resource.Scope.NONE)
                notes.add("rlimits/" + r.lowerName() + ": mainline has no per-guest " + what(r) + "; ignored");
        return new ResourcePlan(limits, process, cfg.ionice(), notes);
    }

    /**
     * The setrlimit(2) calls every process of the guest gets, in {@link Rlimit} order: {@code
     * ulimits/} first, then the per-process resources of {@code rlimits/}, which win for the same
     * resource. Usable without the host's CPUs (the start and exec planners need only this).
     */
    public static List<ResourcePlan.ProcessLimit> processLimits(ResourceConfig cfg) {
        return processLimits(cfg, new ArrayList<>());
    }

    private static List<ResourcePlan.ProcessLimit> processLimits(ResourceConfig cfg, List<String> notes) {
        Map<Rlimit, ResourcePlan.ProcessLimit> byResource = new EnumMap<>(Rlimit.class);
        cfg.ulimits().forEach((rl, limit) -> {
            switch (rl) {
                // Guests share uid 0 with the host, and RLIMIT_NPROC counts the user's processes
                // host-wide: a limit below the host's root process count would stop the guest forking.
                case NPROC -> notes.add("ulimits/nproc: counts the processes of the user across the whole host, "
                        + "and guests run as the host's uid 0; skipped, use rlimits/nproc (the guest's pids limit)");
                case RSS -> notes.add("ulimits/rss: RLIMIT_RSS has no effect on Linux; skipped, use rlimits/rss");
                default -> processLimit(rl, limit, v -> v).ifPresent(p -> byResource.put(rl, p));
            }
        });
        cfg.rlimits().forEach((res, limit) -> {
            if (res.scope() != Resource.Scope.PROCESS) {
                if (res == Resource.NPROC && limit.min().isPresent())
                    notes.add("rlimits/nproc.min: the pids controller has no guarantee; ignored");
                return;
            }
            if (limit.min().isPresent())
                notes.add("rlimits/" + res.lowerName() + ".min: a per-process limit has no guarantee; ignored");
            Rlimit rl = res.rlimit().orElseThrow();
            processLimit(rl, limit, res::kernelValue).ifPresent(p -> byResource.put(rl, p));
        });
        return List.copyOf(byResource.values());
    }

    /** A missing soft limit is the hard one and the other way round; neither: nothing to set. */
    private static Optional<ResourcePlan.ProcessLimit> processLimit(Rlimit rl, Limit l, java.util.function.LongUnaryOperator unit) {
        if (l.soft().isEmpty() && l.hard().isEmpty()) return Optional.empty();
        long soft = l.soft().orElseGet(() -> l.hard().getAsLong()), hard = l.hard().orElse(soft);
        return Optional.of(new ResourcePlan.ProcessLimit(rl, kernel(unit.applyAsLong(soft)), kernel(unit.applyAsLong(hard))));
    }

    private static long kernel(long v) { return v == Limit.INFINITY ? -1 : v; }

    /** rss: hard is the OOM limit, soft the reclaim target, min the protection ({@code rlimits/rss} sets both). */
    static CgroupLimits.Memory memory(Limit rss) {
        long max = rss.hard().stream().map(ResourcePlanner::bytes).findFirst().orElse(CgroupLimits.MAX);
        long high = rss.soft().stream().map(ResourcePlanner::bytes).findFirst().orElse(CgroupLimits.MAX);
        long low = rss.min().stream().map(ResourcePlanner::bytes).findFirst().orElse(0);
        return new CgroupLimits.Memory(max, high, low);
    }

    private static long bytes(long pages) {
        long b = Resource.RSS.kernelValue(pages);
        return b == Limit.INFINITY ? CgroupLimits.MAX : b;
    }

    /** nproc: the pids controller has one limit, so the hard one when both are given. */
    static long pidsMax(Limit nproc, List<String> notes) {
        if (nproc.hard().isPresent() && nproc.soft().isPresent() && nproc.hard().getAsLong() != nproc.soft().getAsLong())
            notes.add("rlimits/nproc: the pids controller has one limit; using hard " + count(nproc.hard().getAsLong())
                    + ", not soft " + count(nproc.soft().getAsLong()));
        long v = nproc.hard().orElse(nproc.soft().orElse(Limit.INFINITY));
        return v == Limit.INFINITY ? CgroupLimits.MAX : v;
    }

    private static String count(long v) { return v == Limit.INFINITY ? "inf" : Long.toString(v); }

    /**
     * The I/O weight (1..1000, 100 default) for an ionice class: realtime and idle are the extremes;
     * best-effort levels are spaced by a factor of sqrt(2), level 4 (the kernel's default) at 100.
     */
    static int ioWeight(Optional<IoNice> ionice) {
        if (ionice.isEmpty()) return 100;
        return switch (ionice.get().ioClass()) {
            case IoNice.REALTIME -> 1000;
            case IoNice.IDLE -> 1;
            default -> (int) Math.round(100 * Math.pow(2, (4 - Math.clamp(ionice.get().priority(), 0, 7)) / 2.0));
        };
    }

    private static String what(Resource r) {
        return switch (r) {
            case NSOCK -> "socket count";
            case OPENFD -> "open file count";
            case ANON -> "anonymous memory count";
            case SHMEM -> "shared memory count";
            case SEMARY -> "semaphore array count";
            case NSEMS -> "semaphore count";
            case DENTRY -> "dentry count";
            default -> r.lowerName() + " count";
        };
    }
}
