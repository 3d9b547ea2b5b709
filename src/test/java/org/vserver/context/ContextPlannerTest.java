package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;

/** The plans of the low-level context tools, pinned as golden files and checked for their order. */
class ContextPlannerTest {
    static final List<Path> PROCS = List.of(Path.of("/sys/fs/cgroup/pids/vservers/ctx-49152/cgroup.procs"),
            Path.of("/sys/fs/cgroup/memory/vservers/ctx-49152/cgroup.procs"));

    static Plan create(int uid) {
        return ContextPlanner.plan(new ContextPlanner.Request(PROCS, uid, List.of("sh", "-c", "exit 3"),
                List.of("PATH=/usr/bin:/bin", "TERM=xterm")));
    }

    @Test
    void createGolden() throws Exception {
        GoldenPlanTest.assertGolden("vcontext-create", create(0));
        GoldenPlanTest.assertGolden("vcontext-create-uid", create(1000));
    }

    @Test
    void createMovesIntoItsCgroupBeforeTheCgroupNamespace() {
        List<Step> s = create(0).steps();
        int clone = index(s, Step.Clone.class), write = index(s, Step.WriteFd.class), unshare = index(s, Step.Unshare.class);
        assertTrue(clone < write && write < unshare, "clone, join the cgroup, then unshare CGROUP: " + s);
        var c = (Step.Clone) s.get(clone);
        assertEquals(Step.ParentMode.WAIT, c.parentMode(), "the caller waits for the command");
        assertTrue(c.namespaces().containsAll(List.of(Namespace.PID, Namespace.MNT, Namespace.UTS, Namespace.IPC)));
        assertFalse(c.namespaces().contains(Namespace.NET), "the host's network, as VServer's contexts");
        assertEquals(java.util.Set.of(Namespace.CGROUP), ((Step.Unshare) s.get(unshare)).namespaces());
        var caps = (Step.SetCaps) s.get(index(s, Step.SetCaps.class));
        assertEquals(Capabilities.SECURE_DEFAULT, caps.bounding());
        assertTrue(s.getLast() instanceof Step.Exec);
    }

    @Test
    void vnamespaceJoinsTheMountNamespaceOnly() throws Exception {
        Plan p = NamespacePlanner.enterMounts(4242, 123456L, List.of("cat", "/etc/hostname"), List.of("PATH=/bin"));
        GoldenPlanTest.assertGolden("vnamespace-enter", p);
        var join = (Step.SetNsPid) p.steps().get(index(p.steps(), Step.SetNsPid.class));
        assertEquals(java.util.Set.of(Namespace.MNT), join.namespaces());
        assertEquals(-1, index(p.steps(), Step.Clone.class), "a mount namespace applies without a fork");
    }

    @Test
    void vunameJoinsTheUtsNamespaceOnly() throws Exception {
        GoldenPlanTest.assertGolden("vuname-get", NamespacePlanner.readUts(4242, 123456L));
        GoldenPlanTest.assertGolden("vuname-set", NamespacePlanner.setUts(4242, 123456L, "web2", null));
        for (Plan p : List.of(NamespacePlanner.readUts(1, 2), NamespacePlanner.setUts(1, 2, "a", "b"))) {
            var join = (Step.SetNsPid) p.steps().get(index(p.steps(), Step.SetNsPid.class));
            assertEquals(java.util.Set.of(Namespace.UTS), join.namespaces());
        }
    }

    @Test
    void spectatorGolden() throws Exception {
        Plan p = SpectatorPlanner.plan(List.of("ps", "ax"), null, false);
        GoldenPlanTest.assertGolden("spectator", p);
        List<Step> s = p.steps();
        int first = index(s, Step.SetCaps.class), ids = index(s, Step.SetIds.class);
        assertTrue(first < ids, "the bounding set is dropped while CAP_SETPCAP is still held: " + s);
        var last = (Step.SetCaps) s.get(ids + 1);
        assertTrue(last.effective().isEmpty() && last.permitted().isEmpty() && last.bounding().isEmpty());
    }

    static int index(List<Step> steps, Class<? extends Step> type) {
        for (int i = 0; i < steps.size(); i++) if (type.isInstance(steps.get(i))) return i;
        return -1;
    }
}
