package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;
import org.vserver.cgroup.CgroupLimits.Memory;
import org.vserver.context.GoldenPlans;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;

/**
 * The host's side of a start as plan steps ({@link CgroupManager#startSteps}), pinned as golden
 * plans: the cgroups made and joined in every hierarchy, the device rules, and a limit's writes
 * in the order {@link CgroupManager#apply} makes them into a fresh cgroup, found on a probe that is
 * gone afterwards.
 */
class CgroupStartStepsTest {
    @TempDir Path root;
    final FixtureDirs dirs = new FixtureDirs(true);
    static final Timeouts SHORT = new Timeouts(Duration.ofMillis(100), Duration.ofMillis(100));
    static final long MB = 1 << 20;

    static final CgroupLimits LIMITED = new CgroupLimits(new CpuBandwidth(100_000, 25_000, 10_000), 50,
            Optional.empty(), Optional.empty(), false, false, new Memory(256 * MB, 128 * MB, 0), 50, 300, false);

    private void v1() throws IOException {
        Fixtures.v1All(root);
        FixtureDirs.put(root.resolve("cpuset/cpuset.cpu_exclusive"), "1");
        FixtureDirs.put(root.resolve("cpuset/cpuset.mem_exclusive"), "1");
        FixtureDirs.put(root.resolve("cpuset/cpuset.effective_cpus"), "0-3");
        FixtureDirs.put(root.resolve("memory/memory.use_hierarchy"), "1");   // as Linux 5.x and later fix it
        // what a fresh cgroup holds (the fixture's mkdir copies its parent's files)
        for (var h : Cgroup1LimitsTest.GUEST_FILES.entrySet())
            for (var f : h.getValue().entrySet())
                if (!Files.exists(root.resolve(h.getKey()).resolve(f.getKey()))) FixtureDirs.put(root.resolve(h.getKey()).resolve(f.getKey()), f.getValue());
    }

    private Cgroup1Manager v1Manager() throws IOException {
        return new Cgroup1Manager(root, "vservers", dirs, SHORT, CgroupWriter.FILES, root.resolve("online"),
                Optional.of(root.resolve("unified")), new RecordingDevicePolicy());
    }

    /** The steps with the fixture's root as /sys/fs/cgroup: a golden plan names no temporary directory. */
    private Plan onHost(List<Step> steps) {
        var b = Plan.builder();
        for (Step st : steps) {
            b.add(switch (st) {
                case Step.WriteFile w -> new Step.WriteFile(host(w.path()), w.content());
                case Step.MkdirHost m -> new Step.MkdirHost(host(m.path()), m.mode());
                case Step.CgroupMkdir c -> new Step.CgroupMkdir(host(c.path()));
                case Step.CpusetInherit c -> new Step.CpusetInherit(host(c.dir()));
                case Step.BpfAttach a -> new Step.BpfAttach(host(a.cgroup()), a.progType(), a.attachType(), a.flags(), a.name(), a.program());
                default -> st;
            });
        }
        return b.build();
    }

    private String host(String path) {
        assertTrue(path.startsWith(root.toString()), path);
        return "/sys/fs/cgroup" + path.substring(root.toString().length());
    }

    private List<Path> probes() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".vserver-probe-")).toList();
        }
    }

    @Test
    void v1DefaultsMakeAndJoinTheCgroupsWithoutAProbe() throws Exception {
        v1();
        var steps = v1Manager().startSteps("web", CgroupLimits.DEFAULT);
        GoldenPlans.assertGolden("host-cgroups-v1-default", onHost(steps.steps()));
        assertEquals(List.of(), steps.notes());
        assertEquals(List.of(), dirs.made, "a fresh cgroup has the defaults: nothing probed");
    }

    @Test
    void v1LimitsAreTheWritesOfAFreshCgroupInTheKernelsOrder() throws Exception {
        v1();
        var steps = v1Manager().startSteps("web", LIMITED);
        GoldenPlans.assertGolden("host-cgroups-v1-limits", onHost(steps.steps()));
        assertTrue(!dirs.made.isEmpty(), "the limits were found on a probe");
        assertEquals(List.of(), probes(), "the probe is gone");
        assertTrue(!Files.exists(root.resolve("cpu/vservers")), "the compile made no guest cgroup");
    }

    @Test
    void v2MakesTheLevelsWithTheirControllersAndTheGuestWithItsDevicePolicy() throws Exception {
        Fixtures.v2(root, "cpu memory pids");
        FixtureDirs.put(root.resolve("cpu.max"), "max 100000");
        FixtureDirs.put(root.resolve("cpu.weight"), "100");
        FixtureDirs.put(root.resolve("memory.max"), "max");
        FixtureDirs.put(root.resolve("memory.high"), "max");
        FixtureDirs.put(root.resolve("memory.low"), "0");
        FixtureDirs.put(root.resolve("pids.max"), "max");
        var m = new Cgroup2Manager(root, "vservers", dirs, SHORT, CgroupWriter.FILES, root.resolve("online"), new RecordingDevicePolicy());
        var steps = m.startSteps("web", new CgroupLimits(new CpuBandwidth(100_000, 50_000, 0), 100, Optional.empty(),
                Optional.empty(), false, false, new Memory(64 * MB, CgroupLimits.MAX, 0), 100, 100, false));
        GoldenPlans.assertGolden("host-cgroups-v2-limits", onHost(steps.steps()));
        assertEquals(List.of(), probes(), "the probe is gone");
        assertEquals(List.of(root.resolve("vservers/web/cgroup.freeze").toString(), "1", "0"), m.freezeControl("web"));
    }
}
