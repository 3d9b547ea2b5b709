package org.vserver.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;

/** The steps of user-namespaced guests refuse what the launcher would refuse, and agree with it on fd numbers. */
class UsernsStepsTest {

    @Test
    void namespacesFollowTheUserNamespaceInCloneFlagOrder() {
        var all = EnumSet.complementOf(EnumSet.of(Namespace.USER));
        var s = new Step.UsernsCreate(10, "", "", all);
        // the launcher's order (launcher/userns.c): time, mnt, cgroup, uts, ipc, pid, net
        assertEquals(List.of(10, 11, 12, 13, 14, 15, 16, 17), List.of(s.fdOf(Namespace.USER), s.fdOf(Namespace.TIME),
                s.fdOf(Namespace.MNT), s.fdOf(Namespace.CGROUP), s.fdOf(Namespace.UTS), s.fdOf(Namespace.IPC),
                s.fdOf(Namespace.PID), s.fdOf(Namespace.NET)));
        var net = new Step.UsernsCreate(5, "", "", EnumSet.of(Namespace.NET));
        assertEquals(6, net.fdOf(Namespace.NET));
        assertThrows(IllegalArgumentException.class, () -> net.fdOf(Namespace.UTS));
    }

    @Test
    void refusals() {
        assertThrows(IllegalArgumentException.class, () -> new Step.UsernsCreate(4, "", "", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new Step.UsernsCreate(5, "", "", EnumSet.of(Namespace.USER)));
        assertThrows(IllegalArgumentException.class, () -> new Step.MountIdmap("/a", "/b", 5, EnumSet.of(MountFlag.BIND)));
        assertThrows(IllegalArgumentException.class, () -> new Step.BindIdmapIn("/a", "/b", 5, EnumSet.of(MountFlag.REC)));
        assertEquals(Set.of(MountFlag.RDONLY), new Step.MountIdmap("/a", "/b", 5, EnumSet.of(MountFlag.RDONLY)).attrs());
    }

    @Test
    void mapLine() {
        assertEquals("0 100000 65536\n", Step.UsernsCreate.mapLine(0, 100000, 65536));
    }
}
