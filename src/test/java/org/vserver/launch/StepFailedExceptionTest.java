package org.vserver.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.vserver.plan.MountFlag;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.sys.Errno;

/** A failed step on the guest's tree says what the guest did and what the admin can do about it. */
class StepFailedExceptionTest {

    static String message(Step s, int errno) {
        return new StepFailedException(Plan.builder().add(new Step.OpenRoot("/vservers/g")).add(s).build(), 1, errno).getMessage();
    }

    @Test
    void aLinkInTheGuestsTreeIsNamedWithWhatToDo() {
        assertEquals("mount(`/mnt/scratch` in the guest) failed: Too many levels of symbolic links (ELOOP): `/mnt/scratch` is a"
                + " symbolic link in the guest's tree; the launcher never follows a link where it creates or mounts (the guest"
                + " could point it at the host): replace the link with a directory (or file) inside the guest"
                + " (step 1/2: 1 MOUNT_IN \"none\" \"/mnt/scratch\" \"tmpfs\" 0 -)",
                message(new Step.MountIn("none", "/mnt/scratch", "tmpfs", EnumSet.noneOf(MountFlag.class), null), Errno.ELOOP));
        String bind = message(new Step.BindIn("/var/www", "/mnt/www", EnumSet.of(MountFlag.BIND)), Errno.ELOOP);
        assertEquals(true, bind.contains("`/mnt/www` (or the bind's source `/var/www`) is a symbolic link"), bind);
    }

    @Test
    void theRootItselfAndAStackedRootAreNamed() {
        String root = message(new Step.MountIn("none", "/", "tmpfs", EnumSet.noneOf(MountFlag.class), null), Errno.EXDEV);
        assertEquals(true, root.contains(": `/` is the guest's root itself; nothing is mounted over it: fix the fstab line"), root);
        String stacked = message(new Step.VerifyCwd("/"), Errno.EXDEV);
        assertEquals(true, stacked.startsWith("the working directory and root check (getcwd() must be `/`, inside the root, and"
                + " `/..` must be `/`) failed: Invalid cross-device link (EXDEV): the start is refused"), stacked);
    }
}
