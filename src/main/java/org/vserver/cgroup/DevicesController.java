package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;

/** cgroup v1 devices: deny everything, then allow {@link DeviceRules#ALLOW}, one rule per write. */
final class DevicesController {
    private DevicesController() {}

    static void restrict(Path dir) throws IOException {
        CgroupFiles.append(dir.resolve("devices.deny"), "a");
        for (DeviceRules.Rule rule : DeviceRules.ALLOW) CgroupFiles.append(dir.resolve("devices.allow"), rule.toString());
    }
}
