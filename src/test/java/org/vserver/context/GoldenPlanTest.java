package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.StorageLayout;
import org.vserver.net.NetnsSteps;
import org.vserver.net.NetworkPlan;
import org.vserver.net.NetworkPlanner;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.PlanWriter;

/**
 * Every decision of a start, exec and enter is pinned here: src/test/resources/plans/*.txt.
 * Run with -Dvserver.golden.update=true to rewrite them after an intended change (or to create a new
 * one), then review the diff; without it a missing golden file fails.
 */
class GoldenPlanTest {
    static void assertGolden(String name, Plan plan) throws Exception {
        GoldenPlans.assertGolden(name, plan);
    }

    static final List<Path> CGROUP_PROCS = List.of(Path.of("/sys/fs/cgroup/pids/vservers/web/cgroup.procs"), Path.of("/sys/fs/cgroup/memory/vservers/web/cgroup.procs"));
    /** A running guest in its user namespace ({@link TestGuests#USER_NAMESPACE}). */
    static final EnterPlanner.Target TARGET = new EnterPlanner.Target(4242, 123456L, CGROUP_PROCS, Optional.of(TestGuests.USER_NAMESPACE));
    /** A running guest with userns/disabled: in the host's user namespace. */
    static final EnterPlanner.Target HOST_USERNS_TARGET = new EnterPlanner.Target(4242, 123456L, CGROUP_PROCS, Optional.empty());

    @Test
    void sysvStartFromTheHostMethod() throws Exception {
        var cfg = TestGuests.hostGuest();
        assertGolden("start-sysv", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null), List.of(Path.of("/sys/fs/cgroup/pids/vservers/web"),
                        Path.of("/sys/fs/cgroup/pids/vservers/web/cgroup.procs"), Path.of("/sys/fs/cgroup/pids/vservers/web/tasks")),
                new GuestStorage.Plain(cfg.vdir()), StartPlanner.Request.defaultMonitor(cfg))));
    }

    @Test
    void unifiedStartMountsAnOverlayOfIdmappedLayers() throws Exception {
        var cfg = TestGuests.plainGuest();
        var layout = StorageLayout.of(cfg.vdir());
        assertGolden("start-unified", new StartPlanner(TestGuests.HOST).plan(new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null),
                List.of(), new GuestStorage.Layered(layout, "db-0123abcd", new GuestStorage.Directory()), StartPlanner.Request.defaultMonitor(cfg))));
    }

    @Test
    void diskLimitedStartMountsItsImageOnTheHostFirst() throws Exception {
        var cfg = TestGuests.plainGuest();
        var layout = StorageLayout.of(cfg.vdir());
        var storage = new GuestStorage.Layered(layout, "db-0123abcd", new GuestStorage.LoopImage(layout.image()));
        assertGolden("start-disk-limit", new StartPlanner(TestGuests.HOST).plan(new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null),
                List.of(), storage, StartPlanner.Request.defaultMonitor(cfg), StoragePlanner.startHostSteps(storage), fd -> List.of())));
    }

    @Test
    void plainStartWithCapsNiceAndBindFlags() throws Exception {
        var cfg = TestGuests.plainGuest();
        assertGolden("start-plain", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null))));
    }

    @Test
    void startWithRlimitsUlimitsAndIonice() throws Exception {
        var cfg = TestGuests.limitsGuest();
        assertGolden("start-limits", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null))));
    }

    @Test
    void startWithAProcVisibilityList() throws Exception {
        var cfg = TestGuests.procGuest();
        assertGolden("start-proc", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null))));
    }

    /** Shared mode: the init and every exec'd command reach only abstract unix names of their own Landlock domain. */
    @Test
    void sharedStartAndExecAreScoped() throws Exception {
        var cfg = TestGuests.sharedGuest();
        assertGolden("start-shared", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null))));
        assertGolden("exec-shared", new EnterPlanner().plan(cfg, TARGET,
                new EnterPlanner.Command(List.of("ss", "-x"), EnterPlanner.User.ROOT, false, Map.of()), false));
    }

    /**
     * Netns mode: the guest's network is made from outside before the clone, in the namespace the
     * user namespace's holder made (fd 6), or NETNS_CREATE made (fd 5) for a guest without one.
     */
    @Test
    void netnsStartMakesTheNetworkBeforeTheInit() throws Exception {
        for (var userns : List.of(TestGuests.USERNS, TestGuests.NO_USERNS)) {
            var cfg = TestGuests.netnsGuest(userns);
            var net = (NetworkPlan.Netns) NetworkPlanner.plan(cfg, 40001, Capabilities.bounding(cfg.bcapabilities()), 0x56);
            assertGolden(userns.disabled() ? "start-netns-host-userns" : "start-netns", new StartPlanner(TestGuests.HOST).plan(
                    new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null), List.of(), new GuestStorage.Plain(cfg.vdir()),
                            StartPlanner.Request.defaultMonitor(cfg), List.of(), fd -> NetnsSteps.of(net, fd, Path.of("/run/vservers"), Optional.of(Path.of("/usr/sbin/nft"))))));
        }
    }

    /**
     * systemd's Container Interface: $container, PID 1 itself (no reaper), SYS_ADMIN and SETPCAP in
     * its user namespace, a tmpfs /run, and its cgroup2 cgroup as a writable /sys/fs/cgroup.
     */
    @Test
    void systemdStartGetsTheContainerInterface() throws Exception {
        var cfg = TestGuests.systemdGuest();
        Path unified = Path.of("/sys/fs/cgroup/unified/vservers/web");
        assertGolden("start-systemd", new StartPlanner(TestGuests.HOST).plan(new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), null),
                List.of(unified, unified.resolve("cgroup.procs"), unified.resolve("cgroup.threads"), unified.resolve("cgroup.subtree_control")),
                new GuestStorage.Plain(cfg.vdir()), StartPlanner.Request.defaultMonitor(cfg))));
    }

    @Test
    void execGetsTheGuestsLimits() throws Exception {
        assertGolden("exec-limits", new EnterPlanner().plan(TestGuests.limitsGuest(), HOST_USERNS_TARGET,
                new EnterPlanner.Command(List.of("make", "-j4"), EnterPlanner.User.ROOT, false, Map.of()), false));
    }

    @Test
    void rescueStart() throws Exception {
        var cfg = TestGuests.hostGuest();
        assertGolden("start-rescue", new StartPlanner(TestGuests.HOST).plan(
                new StartPlanner.Request(cfg, InitStyle.of(cfg.init(), List.of("/bin/sh", "-c", "sleep 60")))));
    }

    @Test
    void execReplayPlan() throws Exception {
        assertGolden("exec-replay", new EnterPlanner().plan(TestGuests.hostGuest(), TARGET,
                new EnterPlanner.Command(null, EnterPlanner.User.ROOT, false, Map.of()), true));
    }

    @Test
    void suexecAsAUser() throws Exception {
        var user = new EnterPlanner.User(1000, 1000, List.of(1000, 27), "alice", "/home/alice");
        assertGolden("suexec", new EnterPlanner().plan(TestGuests.plainGuest(), TARGET,
                new EnterPlanner.Command(List.of("id", "-u"), user, false, Map.of()), false));
    }

    @Test
    void enterWithAPty() throws Exception {
        assertGolden("enter", new EnterPlanner().plan(TestGuests.hostGuest(), TARGET,
                new EnterPlanner.Command(List.of("/bin/bash", "-l"), EnterPlanner.User.ROOT, true, Map.of("TERM", "xterm")), false));
    }
}
