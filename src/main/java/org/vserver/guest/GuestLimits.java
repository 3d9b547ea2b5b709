package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.UnaryOperator;
import org.vserver.cgroup.CgroupLimits;
import org.vserver.cgroup.Counters;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigFiles;
import org.vserver.config.EffectiveLimits;
import org.vserver.config.GuestConfig;
import org.vserver.config.ResourceDir;
import org.vserver.context.LivePrlimits;
import org.vserver.limits.LimitException;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;
import org.vserver.limits.ResourcePlan;
import org.vserver.limits.ResourcePlanner;
import org.vserver.state.GuestLock;
import org.vserver.state.RunState;

/**
 * A guest's resource limits on the kernel: set at start from its configuration, changed live by
 * {@code vsched} and {@code vlimit}, reported by {@code status}. The live settings are kept in the
 * run state ({@code limits/}, laid out like a cfgdir) so that a later command can show the token
 * bucket the admin asked for, not only what the kernel made of it.
 */
public final class GuestLimits {
    private final Guests guests;
    private final Vserver vs;

    public GuestLimits(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    /**
     * What the configuration becomes on this host, decided before anything is created so that an
     * impossible setting (cpus the host lacks) fails the start cleanly.
     */
    public ResourcePlan plan(GuestConfig cfg) throws IOException, ConfigException {
        try {
            return ResourcePlanner.plan(cfg.resources(), vs.cgroups().cpus());
        } catch (LimitException e) {
            throw new ConfigException(cfg.cfgdir(), e.getMessage());
        }
    }

    /**
     * Writes the plan into the guest's new cgroup (frozen only later: the init must start first)
     * and records the live settings. Notes go to stderr.
     */
    public void applyAtStart(GuestConfig cfg, ResourcePlan plan) throws IOException {
        List<String> notes = new ArrayList<>(plan.notes());
        notes.addAll(vs.cgroups().apply(cfg.name(), plan.cgroup().withFrozen(false)));
        for (String n : notes) vs.err().println("vserver: " + cfg.name() + ": " + n);
        ResourceDir.write(cfg.resources(), vs.state().limitsDir(cfg.name()));
    }

    /** sched_pause: the guest starts frozen, once its init runs. */
    public void pauseIfAsked(String name, ResourcePlan plan) throws IOException {
        if (plan.cgroup().frozen()) vs.cgroups().freeze(name, true);
    }

    /** The running guest's live settings. */
    public ResourceConfig live(String name) throws IOException, ConfigException {
        Path dir = vs.state().limitsDir(name);
        if (!Files.isDirectory(dir)) return ResourceConfig.NONE;   // started by an older version
        return ResourceDir.read(new ConfigFiles(dir, dir.resolve(".none")));
    }

    /**
     * Changes a running guest's settings: the whole new plan is checked first (a memory limit below
     * what the guest uses now is refused), then the cgroup is rewritten, every process of the guest
     * gets the new per-process limits, and the live settings are stored.
     *
     * @return notes about settings the kernel cannot enforce exactly
     */
    public List<String> change(String name, UnaryOperator<ResourceConfig> edit)
            throws IOException, ConfigException, LimitException {
        try (GuestLock lock = GuestLock.acquire(vs.state().lockFile(name), vs.proc())) {
            RunState st = guests.requireRunning(name);
            ResourceConfig now = live(name);
            ResourceConfig next = edit.apply(now);
            ResourcePlan plan = ResourcePlanner.plan(next, vs.cgroups().cpus());
            checkMemory(name, plan.cgroup());
            List<String> notes = new ArrayList<>(plan.notes());
            notes.addAll(vs.cgroups().apply(st.name(), plan.cgroup()));
            if (!plan.process().isEmpty()) setEverywhere(name, st, plan.process());
            ResourceDir.write(next, vs.state().limitsDir(name));
            // the status the start compiled shows the settings it started with: java words it from now on
            Files.deleteIfExists(vs.state().guestDir(name).resolve(PlanCache.STATUS));
            return notes;
        }
    }

    /** Refuses a hard memory limit below the guest's current use: the kernel would OOM-kill inside it at once. */
    private void checkMemory(String name, CgroupLimits next) throws IOException, LimitException {
        long max = next.memory().max();
        if (max == CgroupLimits.MAX) return;
        long used = vs.cgroups().counters(name).memoryBytes();
        if (used > max)
            throw new LimitException("rss limit " + mib(max) + " is below what guest " + name + " uses now (" + mib(used)
                    + "): the kernel would have to OOM-kill inside it; free memory in the guest first or choose at least "
                    + pages(used) + " pages");
    }

    /** Every process of the guest gets {@code limits}, through the launcher ({@link LivePrlimits}). */
    private void setEverywhere(String name, RunState st, List<ResourcePlan.ProcessLimit> limits) throws IOException {
        List<Integer> pids = vs.cgroups().processes(name);
        if (pids.isEmpty()) return;
        var plan = LivePrlimits.plan(guests.joinTarget(name, st), pids, limits);
        var r = vs.launcher().runQuietly(plan);
        if (r.exitCode() != 0) throw new IOException("setting the limits of guest " + name + "'s processes: the launcher exited with " + r.exitCode());
    }

    /**
     * What {@code status}, {@code vsched --get} and {@code vlimit --get} show.
     *
     * @param sources where each of {@code live.rlimits()} comes from: {@code guest}, {@code .defaults},
     *                {@code built-in} ({@link EffectiveLimits.Origin}), or {@link #CHANGED} when it is
     *                not what the configuration says now
     */
    public record Report(ResourceConfig live, SequencedMap<String, String> kernel, Counters counters,
                         Map<Resource, String> sources) {}

    /** The source of a live limit that differs from the configuration: vlimit changed it, or the files changed since start. */
    public static final String CHANGED = "changed since start";

    /**
     * The report of a guest right after its start, live settings as configured (for the status a
     * start compiles: doc/plan-cache.md); its kernel settings and counters are left empty.
     */
    public Report asStarted(GuestConfig cfg) throws ConfigException {
        EffectiveLimits configured = EffectiveLimits.read(vs.config(), cfg.name());
        var sources = new EnumMap<Resource, String>(Resource.class);
        cfg.resources().rlimits().forEach((r, l) -> sources.put(r, l.equals(configured.limits().get(r))
                ? configured.origins().get(r).label() : CHANGED));
        return new Report(cfg.resources(), new java.util.LinkedHashMap<>(), new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false), sources);
    }

    public Report report(String name) throws IOException, ConfigException {
        ResourceConfig live = live(name);
        EffectiveLimits configured = EffectiveLimits.read(vs.config(), name);
        var sources = new EnumMap<Resource, String>(Resource.class);
        live.rlimits().forEach((r, l) -> sources.put(r, l.equals(configured.limits().get(r))
                ? configured.origins().get(r).label() : CHANGED));
        return new Report(live, vs.cgroups().settings(name), vs.cgroups().counters(name), sources);
    }

    static String mib(long bytes) { return String.format("%.1f MiB", bytes / 1048576.0); }

    static long pages(long bytes) { return (bytes + Resource.PAGE - 1) / Resource.PAGE; }
}
