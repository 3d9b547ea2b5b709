package org.vserver.limits;

import java.util.Locale;
import java.util.Optional;
import org.vserver.kernel.Rlimit;

/**
 * The resources of {@code rlimits/} and {@code vlimit} (reference vserver.md §2.3), with the unit
 * VServer counted them in and how the mainline kernel enforces each:
 * <ul>
 *   <li>{@link Scope#CGROUP}: a per-guest total the cgroup enforces (rss = memory, nproc = pids);</li>
 *   <li>{@link Scope#PROCESS}: a classic rlimit set on the guest's init and inherited by every
 *       process of the guest (and on every command run in it);</li>
 *   <li>{@link Scope#NONE}: VServer's own accounting with no mainline counterpart; named in a
 *       warning, never silently dropped.</li>
 * </ul>
 */
public enum Resource {
    CPU(Unit.SECONDS, Scope.PROCESS, Rlimit.CPU),
    FSIZE(Unit.BYTES, Scope.PROCESS, Rlimit.FSIZE),
    DATA(Unit.BYTES, Scope.PROCESS, Rlimit.DATA),
    STACK(Unit.BYTES, Scope.PROCESS, Rlimit.STACK),
    CORE(Unit.BYTES, Scope.PROCESS, Rlimit.CORE),
    RSS(Unit.PAGES, Scope.CGROUP, null),
    NPROC(Unit.COUNT, Scope.CGROUP, null),
    NOFILE(Unit.COUNT, Scope.PROCESS, Rlimit.NOFILE),
    MEMLOCK(Unit.PAGES, Scope.PROCESS, Rlimit.MEMLOCK),
    AS(Unit.PAGES, Scope.PROCESS, Rlimit.AS),
    LOCKS(Unit.COUNT, Scope.PROCESS, Rlimit.LOCKS),
    MSGQUEUE(Unit.BYTES, Scope.PROCESS, Rlimit.MSGQUEUE),
    /** Queued signals (and POSIX timers, which each hold one queued signal). New here: VServer had no sigpending. */
    SIGPENDING(Unit.COUNT, Scope.PROCESS, Rlimit.SIGPENDING),
    NSOCK(Unit.COUNT, Scope.NONE, null),
    OPENFD(Unit.COUNT, Scope.NONE, null),
    ANON(Unit.PAGES, Scope.NONE, null),
    SHMEM(Unit.PAGES, Scope.NONE, null),
    SEMARY(Unit.COUNT, Scope.NONE, null),
    NSEMS(Unit.COUNT, Scope.NONE, null),
    DENTRY(Unit.COUNT, Scope.NONE, null);

    /** What one unit of the value is. Pages are 4096 bytes, as on the x86 VServer kernels. */
    public enum Unit { PAGES, BYTES, COUNT, SECONDS }

    public enum Scope { CGROUP, PROCESS, NONE }

    public static final long PAGE = 4096;

    private final Unit unit;
    private final Scope scope;
    private final Rlimit rlimit;

    Resource(Unit unit, Scope scope, Rlimit rlimit) {
        this.unit = unit;
        this.scope = scope;
        this.rlimit = rlimit;
    }

    public Unit unit() { return unit; }

    public Scope scope() { return scope; }

    /** The setrlimit(2) resource for {@link Scope#PROCESS}; empty otherwise. */
    public Optional<Rlimit> rlimit() { return Optional.ofNullable(rlimit); }

    /** The name in file names and vlimit options: {@code rss}, {@code nproc}, ... */
    public String lowerName() { return name().toLowerCase(Locale.ROOT); }

    public static Optional<Resource> byName(String name) {
        for (Resource r : values()) if (r.lowerName().equals(name)) return Optional.of(r);
        return Optional.empty();
    }

    /** A value of this resource in the kernel's unit (bytes for pages); {@link Limit#INFINITY} stays. */
    public long kernelValue(long value) {
        if (value == Limit.INFINITY || unit != Unit.PAGES) return value;
        return value > Long.MAX_VALUE / PAGE ? Limit.INFINITY : value * PAGE;
    }
}
