package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.InitConfig;

class InitStyleTest {
    static InitConfig init(String style, String runlevel) {
        return new InitConfig(style, runlevel, "6", List.of(), List.of(), List.of(15, 5, 9), Map.of(), 30, 90);
    }

    /** Alpine's OpenRC: its runlevels in order under the reaper; a sysv number means its default runlevel. */
    @Test
    void openrcRunsItsRunlevelsInOrder() {
        InitStyle s = InitStyle.of(init("openrc", "3"), null);
        assertEquals(List.of("/bin/sh", "-c", "/sbin/openrc sysinit && /sbin/openrc boot && exec /sbin/openrc default"), s.start());
        assertEquals(List.of("/sbin/openrc", "shutdown"), s.stop());
        assertTrue(s.reaper(), "the start command ends: the reaper is PID 1");
        assertEquals("/bin/sh -c /sbin/openrc sysinit && /sbin/openrc boot && exec /sbin/openrc nonetwork",
                String.join(" ", InitStyle.of(init("openrc", "nonetwork"), null).start()));
    }

    /** Gentoo keeps util-vserver's own script. */
    @Test
    void gentooKeepsItsVserverScript() {
        InitStyle s = InitStyle.of(init("gentoo", "3"), null);
        assertEquals(List.of("/lib/rc/sh/init-vserver.sh", "default"), s.start());
        assertEquals(List.of("/sbin/rc", "shutdown"), s.stop());
    }
}
