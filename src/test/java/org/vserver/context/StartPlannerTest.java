package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.config.GuestConfig;
import org.vserver.config.UsernsConfig;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.limits.IoNice;
import org.junit.jupiter.api.Test;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;

/**
 * The path rule of a start (issue 11, part A): between the root's bind onto itself and the
 * pivot_root, nothing names a path in the guest's tree as a host path; every step on the tree is
 * one the launcher resolves inside the root it opened, and the root check comes after the old
 * root's detach.
 */
class StartPlannerTest {

    static Plan start(GuestConfig cfg) {
        return new StartPlanner(TestGuests.HOST).plan(new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null)));
    }

    @Test
    void ionicePlansWhatTheKernelAccepts() {
        assertEquals(new Step.SetIoprio(3, 0), StartPlanner.ioprio(new IoNice(3, 5)), "idle has no levels");
        assertEquals(new Step.SetIoprio(2, 1), StartPlanner.ioprio(new IoNice(0, 1)), "none is best-effort");
        assertEquals(new Step.SetIoprio(1, 4), StartPlanner.ioprio(new IoNice(1, 4)));
    }

    @Test
    void theGuestsTreeIsReachedOnlyThroughTheOpenedRoot() {
        for (GuestConfig cfg : List.of(TestGuests.hostGuest(), TestGuests.plainGuest(), TestGuests.procGuest(), TestGuests.limitsGuest())) {
            String root = StartPlanner.stripSlash(cfg.vdir().toString());
            List<Step> steps = start(cfg).steps();
            List<String> hostPathsIntoTheTree = new ArrayList<>();
            for (Step s : steps)
                for (Object f : s.fields())
                    if (f instanceof String str && (str.equals(root) || str.startsWith(root + "/"))) hostPathsIntoTheTree.add(s.op() + " " + str);
            boolean userns = !cfg.userns().disabled();
            String bind = userns ? "MOUNT_IDMAP " : "MOUNT ";         // in a user namespace the root is idmapped onto itself
            assertEquals(List.of(bind + root, bind + root, "OPEN_ROOT " + root, "PIVOT_ROOT " + root), hostPathsIntoTheTree,
                    cfg.name() + ": only the root's bind onto itself, its opening and the pivot name the vdir");

            int open = index(steps, Step.OpenRoot.class), pivot = index(steps, Step.PivotRoot.class);
            assertEquals(open - 1, userns ? index(steps, Step.MountIdmap.class) : index(steps, Step.Mount.class, 1),
                    cfg.name() + ": the root is opened right after its bind onto itself");
            for (Step s : steps.subList(open + 1, pivot))
                assertTrue(s instanceof Step.MkdirIn || s instanceof Step.MknodIn || s instanceof Step.SymlinkIn
                        || s instanceof Step.MountIn || s instanceof Step.BindIn
                        || s instanceof Step.ChownIn || s instanceof Step.BindIdmapIn || s instanceof Step.LxcfsBind
                        || s instanceof Step.WriteFile w && w.path().startsWith("/proc/sys/net/"),
                        cfg.name() + ": a step on the tree that does not resolve inside the root: " + s);
            for (Step s : steps.subList(0, open))
                assertTrue(!(s instanceof Step.MkdirIn || s instanceof Step.MknodIn || s instanceof Step.SymlinkIn
                        || s instanceof Step.MountIn || s instanceof Step.BindIn || s instanceof Step.ChownIn
                        || s instanceof Step.BindIdmapIn || s instanceof Step.LxcfsBind), cfg.name() + ": before OPEN_ROOT: " + s);
            int umount = index(steps, Step.Umount.class), verify = index(steps, Step.VerifyCwd.class);
            assertTrue(pivot < umount && umount < verify && verify < index(steps, Step.Exec.class),
                    cfg.name() + ": the root check (VERIFY_CWD) follows the old root's detach");
        }
    }

    /**
     * A guest whose files were shifted to its range (userns/shifted, its filesystem refuses
     * idmapping) binds its root plainly, as a guest without a user namespace, and is still in its
     * own user namespace: the holder, its /dev chowned to its root, the join of the namespace.
     */
    @Test
    void aShiftedGuestsRootIsBoundPlainlyInItsUserNamespace() {
        GuestConfig idmapped = TestGuests.hostGuest();
        var u = idmapped.userns();
        GuestConfig shifted = idmapped.withUserns(new UsernsConfig(u.uid(), u.gid(), false, true));
        String root = StartPlanner.stripSlash(idmapped.vdir().toString());
        List<Step> steps = start(shifted).steps();
        int open = index(steps, Step.OpenRoot.class);
        assertEquals(new Step.Mount(root, root, null, EnumSet.of(MountFlag.BIND, MountFlag.REC), null), steps.get(open - 1));
        assertEquals(-1, index(steps, Step.MountIdmap.class), "no idmapped root");
        assertTrue(index(steps, Step.UsernsCreate.class) >= 0 && index(steps, Step.ChownIn.class) >= 0, "still a userns guest");
        assertTrue(steps.contains(new Step.SetNsFd(UserNamespace.FD, Namespace.USER)), "joins its user namespace");
        // everything but the root's mount is the same plan
        List<Step> plain = new ArrayList<>(start(idmapped).steps());
        plain.set(open - 1, steps.get(open - 1));
        assertEquals(plain, steps);
        assertEquals(new Step.MountIdmap(root, root, UserNamespace.FD, Set.of()),
                StoragePlanner.plainRoot(root, idmapped.userns().shifted(), UserNamespace.of(idmapped)), "not shifted: idmapped");
        assertEquals(steps.get(open - 1), StoragePlanner.plainRoot(root,
                        idmapped.withUserns(new UsernsConfig(u.uid(), u.gid(), true, true)).userns().shifted(), Optional.empty()),
                "userns/disabled: a plain bind (start refuses it with userns/shifted, ShiftedRoot.check)");
    }

    static int index(List<Step> steps, Class<? extends Step> type) { return index(steps, type, 0); }

    /** The index of the {@code nth} (from 0) step of {@code type}. */
    static int index(List<Step> steps, Class<? extends Step> type, int nth) {
        for (int i = 0, seen = 0; i < steps.size(); i++) if (type.isInstance(steps.get(i)) && seen++ == nth) return i;
        return -1;
    }
}
