package org.vserver.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.Capability;
import org.vserver.kernel.MountFlag;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.Step;
import org.vserver.sys.Errno;

/**
 * A failed step names the call the launcher made (its DETAIL record), and on the guest's tree says
 * what the guest did and what the admin can do about it.
 */
class StepFailedExceptionTest {
    static final String IN = " in the guest root `/vservers/g`";

    static String message(Step s, int errno, String call) {
        return new StepFailedException(Plan.builder().add(new Step.OpenRoot("/vservers/g")).add(s).build(), 1, errno, call).getMessage();
    }

    @Test
    void aLinkInTheGuestsTreeIsNamedWithWhatToDo() {
        assertEquals("mount(`/mnt/scratch`" + IN + ": a symbolic link, never followed) failed: Too many levels of symbolic"
                + " links (ELOOP): `/mnt/scratch` is a symbolic link in the guest's tree; the launcher never follows a link"
                + " where it creates, mounts or chowns (the guest could point it at the host): replace the link with a directory"
                + " (or file) inside the guest (step 1/2: 1 MOUNT_IN \"none\" \"/mnt/scratch\" \"tmpfs\" 0 -)",
                message(new Step.MountIn("none", "/mnt/scratch", "tmpfs", EnumSet.noneOf(MountFlag.class), null), Errno.ELOOP,
                        "mount(`/mnt/scratch`" + IN + ": a symbolic link, never followed)"));
        String bind = message(new Step.BindIn("/var/www", "/mnt/www", EnumSet.of(MountFlag.BIND)), Errno.ELOOP,
                "mount(`/var/www`" + IN + ": a symbolic link, never followed)");
        assertTrue(bind.startsWith("mount(`/var/www`" + IN + ": a symbolic link, never followed) failed: "), bind);
        assertTrue(bind.contains("`/mnt/www` (or the bind's source `/var/www`) is a symbolic link"), bind);
        String chown = message(new Step.ChownIn("/dev/null", 100000, 100000), Errno.ELOOP,
                "chown(`/dev/null`" + IN + ": a symbolic link, never followed)");
        assertTrue(chown.contains(": `/dev/null` is a symbolic link in the guest's tree"), chown);
    }

    @Test
    void theRootItselfAndAStackedRootAreNamed() {
        String root = message(new Step.MountIn("none", "/", "tmpfs", EnumSet.noneOf(MountFlag.class), null), Errno.EXDEV,
                "mount(`/`" + IN + ": the guest root itself)");
        assertTrue(root.contains(": `/` is the guest's root itself; nothing is mounted over it: fix the fstab line"), root);
        String stacked = message(new Step.VerifyCwd("/"), Errno.EXDEV,
                "stat(`/..`) is not stat(`/`): a mount is stacked on the root (mount 7 above 5)");
        assertTrue(stacked.startsWith("stat(`/..`) is not stat(`/`): a mount is stacked on the root (mount 7 above 5) failed:"
                + " Invalid cross-device link (EXDEV): the start is refused"), stacked);
    }

    /** The acceptance of issue 12: the launcher's exact call, not a guess from the op (it said `capset()`). */
    @Test
    void aFailedBoundingSetDropIsNamedAsTheLauncherMadeIt() {
        var caps = new Step.SetCaps(EnumSet.of(Capability.CHOWN), EnumSet.of(Capability.CHOWN), EnumSet.of(Capability.CHOWN),
                EnumSet.noneOf(Capability.class), EnumSet.noneOf(Capability.class));
        String m = message(caps, Errno.EPERM, "prctl(PR_CAPBSET_DROP, 2)");
        assertTrue(m.startsWith("prctl(PR_CAPBSET_DROP, 2) failed: Operation not permitted (EPERM): vserver runs with fewer"
                + " capabilities than it needs"), m);
        assertTrue(m.endsWith("(step 1/2: " + PlanText.line(1, caps).strip() + ")"), m);
        assertTrue(!m.contains("capset"), m);
    }

    @Test
    void withoutTheLaunchersWordTheOpIsNamedNotGuessedAt() {
        String m = message(new Step.Chdir("/home"), Errno.ENOENT, null);
        assertEquals("the launcher's CHDIR failed: No such file or directory (ENOENT) (step 1/2: 1 CHDIR \"/home\")", m);
    }

    @Test
    void aRefusedPlanSaysWhyAndSuggestsARebuild() {
        String m = new StepFailedException(Plan.builder().add(new Step.Chdir("/")).build(), -1, Errno.EINVAL,
                "decode(protocol version 2 (this launcher speaks 1))").getMessage();
        assertEquals("the launcher refused the plan: decode(protocol version 2 (this launcher speaks 1)) failed: Invalid"
                + " argument (EINVAL) (a launcher built from another version? rebuild with mvn package)", m);
    }
}
