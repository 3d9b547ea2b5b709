package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Rlimit;
import org.vserver.limits.ResourcePlan.ProcessLimit;
import org.vserver.plan.Step;

class LivePrlimitsTest {
    static final List<ProcessLimit> LIMITS = List.of(new ProcessLimit(Rlimit.NOFILE, 100, 200), new ProcessLimit(Rlimit.CORE, 0, 0));

    @Test
    void aUserNamespaceGuestIsJoinedFirstAndEveryProcessGetsEveryLimit() {
        var target = new EnterPlanner.Target(40, 77L, List.of(), Optional.of(TestGuests.USER_NAMESPACE));
        List<Step> steps = LivePrlimits.plan(target, List.of(40, 41), LIMITS).steps();
        assertEquals(new Step.SetNsPid(40, 77L, EnumSet.of(Namespace.USER)), steps.get(1), "only the user namespace, by the init's pidfd");
        assertEquals(List.of(new Step.Prlimit(40, Rlimit.NOFILE, 100, 200), new Step.Prlimit(41, Rlimit.NOFILE, 100, 200),
                new Step.Prlimit(40, Rlimit.CORE, 0, 0), new Step.Prlimit(41, Rlimit.CORE, 0, 0)), steps.subList(2, 6));
        assertEquals(7, steps.size(), "then exec true");
    }

    @Test
    void aGuestInTheHostsUserNamespaceIsNotJoined() {
        var target = new EnterPlanner.Target(40, 77L, List.of(), Optional.empty());
        List<Step> steps = LivePrlimits.plan(target, List.of(40), LIMITS).steps();
        assertEquals(new Step.Prlimit(40, Rlimit.NOFILE, 100, 200), steps.get(1));
        assertEquals(4, steps.size());
    }
}
