package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceRulesTest {
    @Test void theAllowListInDevicesControllerSyntax() {
        assertEquals(List.of("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"),
                DeviceRules.ALLOW.stream().map(DeviceRules.Rule::toString).toList());
    }

    @Test void nothingElseIsAllowed() {
        // no block devices, no wildcard majors, no fuse (10:229) or tun (10:200)
        assertEquals(0, DeviceRules.ALLOW.stream().filter(r -> r.type() != 'c' || r.major() == DeviceRules.ANY || r.major() == 10).count());
    }
}
