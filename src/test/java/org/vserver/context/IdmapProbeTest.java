package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Step;
import org.vserver.sys.Errno;

/** The probe "does the filesystem of the guest's root take an idmapped mount" and how its answer is read. */
class IdmapProbeTest {

    @Test
    void thePlanIdmapsTheRootInAPrivateMountNamespaceOfItsOwnAndExits() {
        var u = TestGuests.USER_NAMESPACE;
        List<Step> steps = IdmapProbe.plan("/vservers/web", u).steps();
        assertEquals(List.of(
                new Step.CloseFrom(StartPlanner.FIRST_FOREIGN_FD),
                new Step.Unshare(Set.of(Namespace.MNT)),                          // dies with the launcher: nothing stays mounted
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                u.create(Set.of()),
                new Step.MountIdmap("/vservers/web", "/vservers/web", UserNamespace.FD, Set.of()),
                new Step.Exec("true", List.of("true"), SpectatorPlanner.ENV)), steps);
        assertTrue(steps.get(IdmapProbe.IDMAP_STEP) instanceof Step.MountIdmap);
    }

    @Test
    void onlyARefusalOfTheIdmapStepMeansShift() {
        int idmap = IdmapProbe.IDMAP_STEP;
        assertTrue(IdmapProbe.refused(idmap, Errno.EINVAL), "no FS_ALLOW_IDMAP (overlayfs, NFS)");
        assertTrue(IdmapProbe.refused(idmap, Errno.EPERM), "a superblock of another user namespace");
        assertTrue(IdmapProbe.refused(idmap, Errno.EOPNOTSUPP));
        assertFalse(IdmapProbe.refused(idmap, Errno.ENOENT), "no root: a real error");
        assertFalse(IdmapProbe.refused(idmap, Errno.ENOSYS), "no mount_setattr: the start would fail too");
        assertFalse(IdmapProbe.refused(idmap - 1, Errno.EINVAL), "the user namespace was refused: not the filesystem's answer");
        assertFalse(IdmapProbe.refused(idmap - 2, Errno.EPERM), "no privilege to mount at all");
    }
}
