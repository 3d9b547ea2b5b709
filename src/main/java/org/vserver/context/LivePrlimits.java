package org.vserver.context;

import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import org.vserver.kernel.Namespace;
import org.vserver.limits.ResourcePlan.ProcessLimit;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.*;

/**
 * The plan that gives every process of a running guest new per-process limits ({@code vlimit},
 * {@code vsched}): prlimit(2) of each, made by the launcher. For a guest in a user namespace the
 * launcher joins that namespace first: prlimit of another user's process takes CAP_SYS_RESOURCE
 * in the target's user namespace, which the host's root holds only through its own effective set
 * (not every host root has it) or as the namespace's owner, the guest root's host uid. Inside, the
 * launcher has all of it. The init is checked by its start time: the namespace joined is the guest's.
 */
public final class LivePrlimits {
    private LivePrlimits() {}

    public static Plan plan(EnterPlanner.Target init, List<Integer> pids, List<ProcessLimit> limits) {
        List<Step> s = new ArrayList<>();
        if (init.userns().isPresent()) s.add(new SetNsPid(init.initPid(), init.initStartTicks(), EnumSet.of(Namespace.USER)));
        for (ProcessLimit l : limits)
            for (int pid : pids) s.add(new Prlimit(pid, l.resource(), l.soft(), l.hard()));
        return HostPlan.of(s);
    }
}
