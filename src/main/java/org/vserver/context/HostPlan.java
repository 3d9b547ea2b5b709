package org.vserver.context;

import java.util.List;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.CloseFrom;
import org.vserver.plan.Step.Exec;

/**
 * A plan whose work is its steps, made on the host (a probe, a live limit, a disk image's mount):
 * inherited fds closed first, and the exec that every plan must end in, of {@code true}, last.
 */
public final class HostPlan {
    private HostPlan() {}

    public static Plan of(List<Step> steps) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        p.addAll(steps);
        p.add(new Exec("true", List.of("true"), SpectatorPlanner.ENV));
        return p.build();
    }
}
