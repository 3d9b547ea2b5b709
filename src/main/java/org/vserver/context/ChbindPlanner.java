package org.vserver.context;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.kernel.Capability;
import org.vserver.plan.Plan;
import org.vserver.plan.Step.*;
import org.vserver.plan.Sync;

/**
 * {@code chbind}: a host command moved into the cgroup that carries its address policy, and
 * nothing else changed (no namespace, no fork: the launcher itself becomes the command). The
 * cgroup is joined through its cgroup.procs before anything of the command runs; the AWAIT after
 * it tells java the join is done, so java can let other chbind runs sweep or reuse cgroups again.
 */
public final class ChbindPlanner {
    private ChbindPlanner() {}

    /** What {@code --secure} takes from the command (VServer's chbind: no interface or raw packet power). */
    public static final Set<Capability> SECURE_DROPS = Set.of(Capability.NET_ADMIN, Capability.NET_RAW);

    /** The caller's capability sets, for {@code --secure} to remove {@link #SECURE_DROPS} from. */
    public record Caps(Set<Capability> bounding, Set<Capability> effective, Set<Capability> permitted,
                       Set<Capability> inheritable, Set<Capability> ambient) {
        Caps without(Set<Capability> drop) {
            return new Caps(minus(bounding, drop), minus(effective, drop), minus(permitted, drop), minus(inheritable, drop),
                    minus(ambient, drop));
        }

        private static Set<Capability> minus(Set<Capability> s, Set<Capability> drop) {
            var out = java.util.EnumSet.noneOf(Capability.class);
            out.addAll(s);
            out.removeAll(drop);
            return out;
        }
    }

    /**
     * @param cgroupProcs the chbind cgroup's cgroup.procs
     * @param secure      the caller's capabilities if {@code --secure}: the plan drops {@link #SECURE_DROPS} from them
     */
    public static Plan plan(Path cgroupProcs, List<String> argv, List<String> env, Optional<Caps> secure) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        p.add(new OpenFd(cgroupProcs.toString(), EnterPlanner.CGROUP_FD));
        p.add(new WriteFd(EnterPlanner.CGROUP_FD, "0"));
        p.add(new Await(Sync.GUEST_PID));                       // the command's process is in place: java unlocks
        // The host's abstract unix names are out of the command's reach, as a shared guest's (needs
        // CAP_SYS_ADMIN, which chbind's caller has: before --secure's SET_CAPS).
        p.add(new LandlockScope(LandlockScope.ABSTRACT_UNIX_SOCKET));
        secure.map(c -> c.without(SECURE_DROPS))
                .ifPresent(c -> p.add(new SetCaps(c.bounding(), c.effective(), c.permitted(), c.inheritable(), c.ambient())));
        p.add(new Exec(argv.getFirst(), argv, env));
        return p.build();
    }
}
