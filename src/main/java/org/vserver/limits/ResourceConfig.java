package org.vserver.limits;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.vserver.kernel.Rlimit;

/**
 * A guest's resource configuration: {@code sched/} (or the legacy {@code schedule} file) and the
 * scheduler cflags, {@code cpuset/}, {@code rlimits/}, {@code ulimits/} and {@code ionice/}.
 * The same record describes the live settings a running guest has after {@code vsched}/{@code vlimit}.
 *
 * @param sched   the token bucket and its flags
 * @param cpuset  CPU and memory-node placement
 * @param rlimits {@code rlimits/}: per-guest limits by VServer resource
 * @param ulimits {@code ulimits/}: classic per-process limits set on the init
 * @param ionice  {@code ionice/}; empty = inherited from the host
 */
public record ResourceConfig(Sched sched, Cpuset cpuset, Map<Resource, Limit> rlimits, Map<Rlimit, Limit> ulimits,
                             Optional<IoNice> ionice) {

    public static final ResourceConfig NONE = new ResourceConfig(Sched.NONE, Cpuset.NONE, Map.of(), Map.of(), Optional.empty());

    public ResourceConfig {
        rlimits = Collections.unmodifiableMap(rlimits.isEmpty() ? new EnumMap<>(Resource.class) : new EnumMap<>(rlimits));
        ulimits = Collections.unmodifiableMap(ulimits.isEmpty() ? new EnumMap<>(Rlimit.class) : new EnumMap<>(ulimits));
    }

    public Limit rlimit(Resource r) { return rlimits.getOrDefault(r, Limit.NONE); }

    public ResourceConfig withSched(Sched s) { return new ResourceConfig(s, cpuset, rlimits, ulimits, ionice); }

    public ResourceConfig withCpuset(Cpuset c) { return new ResourceConfig(sched, c, rlimits, ulimits, ionice); }

    /** The same with {@code rlimits} replaced (the effective ones, after {@code .defaults} and the built-in defaults). */
    public ResourceConfig withRlimits(Map<Resource, Limit> r) { return new ResourceConfig(sched, cpuset, r, ulimits, ionice); }

    public ResourceConfig withRlimit(Resource r, Limit l) {
        var m = new EnumMap<Resource, Limit>(Resource.class);
        m.putAll(rlimits);
        if (l.isEmpty()) m.remove(r); else m.put(r, l);
        return new ResourceConfig(sched, cpuset, m, ulimits, ionice);
    }
}
