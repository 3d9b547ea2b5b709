package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.FstabEntry;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;

/** fstab lines as steps on the guest's tree: targets and guest-internal bind sources resolved inside it. */
class FstabMountsTest {

    static String text(List<FstabEntry> fstab) {
        return PlanText.render(Plan.builder().addAll(FstabMounts.steps("/srv/g", fstab, p -> true)).build());
    }

    @Test
    void targetsArePathsInTheGuestAndHostSourcesStayHostPaths() {
        assertEquals("""
                plan v1: 5 steps
                  0 MKDIR_IN "/tmp" 0755
                  1 MOUNT_IN "none" "/tmp" "tmpfs" NOSUID "size=16m"
                  2 MKDIR_IN "/usr" 0755
                  3 MOUNT_IN "/usr" "/usr" - BIND -
                  4 MOUNT_IN - "/usr" - RDONLY|REMOUNT|BIND -
                """, text(List.of(new FstabEntry("none", "/tmp", "tmpfs", List.of("size=16m", "nosuid"), 1),
                new FstabEntry("/usr", "/usr", "none", List.of("bind", "ro"), 2))));
    }

    /** A bind of the guest's own tree: its links are the guest's, so the source is resolved inside the root too. */
    @Test
    void aBindSourceBelowTheGuestRootIsAPathInTheGuest() {
        assertEquals("""
                plan v1: 2 steps
                  0 MKDIR_IN "/mnt/www" 0755
                  1 BIND_IN "/var/www" "/mnt/www" BIND|REC
                """, text(List.of(new FstabEntry("/srv/g/var/./www/", "/mnt/www", "none", List.of("rbind"), 1))));
        assertEquals("/etc", FstabMounts.inGuest("/srv/g", "/srv/g/x/../etc"));      // never asks the file system: x may be a link
        assertNull(FstabMounts.inGuest("/srv/g", "/srv/g"));                         // the root itself: the admin's path
        assertNull(FstabMounts.inGuest("/srv/g", "/srv/g2/etc"));
        assertNull(FstabMounts.inGuest("/srv/g", "/srv/g/../h/etc"));
        assertNull(FstabMounts.inGuest("/srv/g", "tmpfs"));
    }
}
