package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;

/**
 * Every decision of a start, exec and enter is pinned here: src/test/resources/plans/*.txt.
 * Run with -Dvserver.golden.update=true to rewrite them after an intended change, then review the diff.
 */
class GoldenPlanTest {
    static final Path DIR = Path.of(System.getProperty("vserver.basedir", "."), "src/test/resources/plans");

    static void assertGolden(String name, Plan plan) throws IOException {
        String text = PlanText.render(plan);
        Path f = DIR.resolve(name + ".txt");
        if (Boolean.getBoolean("vserver.golden.update") || !Files.exists(f)) {
            Files.createDirectories(DIR);
            Files.writeString(f, text);
        }
        assertEquals(Files.readString(f), text, "plan " + name + " changed; if intended, rerun with -Dvserver.golden.update=true");
    }

    static final EnterPlanner.Target TARGET = new EnterPlanner.Target(4242, 123456L,
            List.of(Path.of("/sys/fs/cgroup/pids/vservers/web/cgroup.procs"), Path.of("/sys/fs/cgroup/memory/vservers/web/cgroup.procs")));

    @Test
    void sysvStartFromTheHostMethod() throws IOException {
        var cfg = TestGuests.hostGuest();
        assertGolden("start-sysv", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null), "/run/vservers/web/console")));
    }

    @Test
    void plainStartWithCapsNiceAndBindFlags() throws IOException {
        var cfg = TestGuests.plainGuest();
        assertGolden("start-plain", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null), "/run/vservers/db/console")));
    }

    @Test
    void rescueStart() throws IOException {
        var cfg = TestGuests.hostGuest();
        assertGolden("start-rescue", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), List.of("/bin/sh", "-c", "sleep 60")), "/run/vservers/web/console")));
    }

    @Test
    void execReplayPlan() throws IOException {
        assertGolden("exec-replay", new EnterPlanner().plan(TestGuests.hostGuest(), TARGET,
                new EnterPlanner.Command(null, EnterPlanner.User.ROOT, false, Map.of()), true));
    }

    @Test
    void suexecAsAUser() throws IOException {
        var user = new EnterPlanner.User(1000, 1000, List.of(1000, 27), "alice", "/home/alice");
        assertGolden("suexec", new EnterPlanner().plan(TestGuests.plainGuest(), TARGET,
                new EnterPlanner.Command(List.of("id", "-u"), user, false, Map.of()), false));
    }

    @Test
    void enterWithAPty() throws IOException {
        assertGolden("enter", new EnterPlanner().plan(TestGuests.hostGuest(), TARGET,
                new EnterPlanner.Command(List.of("/bin/bash", "-l"), EnterPlanner.User.ROOT, true, Map.of("TERM", "xterm")), false));
    }
}
