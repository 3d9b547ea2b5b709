package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vserver.guest.GuestLimits;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;

class LimitsReportTest {
    @Test
    void statusSaysWhereEachLimitComesFrom() {
        var live = ResourceConfig.NONE.withRlimits(Map.of(Resource.NPROC, Limit.both(4096), Resource.RSS, Limit.NONE.withHard(8192),
                Resource.NOFILE, Limit.NONE.withSoft(1024).withHard(4096), Resource.MSGQUEUE, Limit.both(409600)));
        var sources = Map.of(Resource.NPROC, "built-in", Resource.RSS, "guest", Resource.NOFILE, ".defaults",
                Resource.MSGQUEUE, GuestLimits.CHANGED);
        var r = new GuestLimits.Report(live, new LinkedHashMap<>(), null, sources);
        assertEquals("Limits: rss hard 8192 pages (guest), nproc 4096 (built-in), nofile soft 1024 hard 4096 (.defaults), "
                + "msgqueue 409600 bytes (changed since start)", LimitsReport.limitsLine(r));
        assertEquals("Limits: none", LimitsReport.limitsLine(new GuestLimits.Report(ResourceConfig.NONE, new LinkedHashMap<>(), null, Map.of())));
    }
}
