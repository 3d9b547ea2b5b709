package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.Capability;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Sync;

/** chbind's plan: join the policy's cgroup, tell java, exec; no fork and no namespace. */
class ChbindPlannerTest {
    static final Path PROCS = Path.of("/sys/fs/cgroup/unified/vservers/chbind-0123456789ab/cgroup.procs");
    static final Set<Capability> ALL = EnumSet.allOf(Capability.class);

    static Plan plan(boolean secure) {
        var caps = new ChbindPlanner.Caps(ALL, ALL, ALL, Set.of(), Set.of());
        return ChbindPlanner.plan(PROCS, List.of("sshd", "-D"), List.of("PATH=/usr/bin:/bin"),
                secure ? Optional.of(caps) : Optional.empty());
    }

    @Test
    void golden() throws Exception {
        GoldenPlanTest.assertGolden("chbind", plan(false));
        GoldenPlanTest.assertGolden("chbind-secure", plan(true));
    }

    @Test
    void theCommandIsInTheCgroupBeforeJavaLetsGoAndBeforeExec() {
        List<Step> s = plan(false).steps();
        assertEquals(new Step.OpenFd(PROCS.toString(), EnterPlanner.CGROUP_FD), s.get(1));
        assertEquals(new Step.WriteFd(EnterPlanner.CGROUP_FD, "0"), s.get(2));
        assertEquals(new Step.Await(Sync.GUEST_PID), s.get(3));
        assertTrue(s.getLast() instanceof Step.Exec e && e.argv().equals(List.of("sshd", "-D")), s.toString());
        assertTrue(s.stream().noneMatch(x -> x instanceof Step.Clone || x instanceof Step.Unshare || x instanceof Step.SetNs
                || x instanceof Step.SetCaps), "the host's namespaces and capabilities: " + s);
    }

    @Test
    void secureDropsNetAdminAndNetRawOnly() {
        var caps = (Step.SetCaps) plan(true).steps().stream().filter(x -> x instanceof Step.SetCaps).findFirst().orElseThrow();
        var expected = EnumSet.allOf(Capability.class);
        expected.removeAll(List.of(Capability.NET_ADMIN, Capability.NET_RAW));
        assertEquals(expected, caps.bounding());
        assertEquals(expected, caps.effective());
        assertEquals(expected, caps.permitted());
        assertEquals(Set.of(), caps.ambient());
    }
}
