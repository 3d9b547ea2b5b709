package org.vserver.limits;

import org.vserver.kernel.CpuList;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.CgroupLimits;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;
import org.vserver.limits.ResourcePlan.ProcessLimit;
import org.vserver.kernel.Rlimit;

class ResourcePlannerTest {
    static final CpuList HOST = CpuList.parse("0-3");

    static ResourceConfig with(Map<Resource, Limit> rlimits, Map<Rlimit, Limit> ulimits) {
        return new ResourceConfig(Sched.NONE, Cpuset.NONE, rlimits, ulimits, Optional.empty());
    }

    static Limit soft(long v) { return Limit.NONE.withSoft(v); }

    static Limit hard(long v) { return Limit.NONE.withHard(v); }

    @Test
    void nothingConfiguredIsTheKernelDefault() throws Exception {
        ResourcePlan p = ResourcePlanner.plan(ResourceConfig.NONE, HOST);
        assertEquals(CgroupLimits.DEFAULT, p.cgroup());
        assertEquals(List.of(), p.process());
        assertEquals(List.of(), p.notes());
        assertEquals(Optional.empty(), p.ionice());
    }

    @Test
    void cpusetMustBeOnTheHost() {
        var cfg = ResourceConfig.NONE.withCpuset(new Cpuset(Optional.of(CpuList.parse("2-5,7")), Optional.empty(), false, false));
        var e = assertThrows(LimitException.class, () -> ResourcePlanner.plan(cfg, HOST));
        assertEquals("cpuset/cpus: CPUs 4-5,7 are not available to guests on this host (it has 0-3)", e.getMessage());
    }

    @Test
    void cpusetIsPassedOnAndLimitsTheCpusTheShareAddsUp() throws Exception {
        var hard = new Sched(TokenBucket.DEFAULTS, new TreeMap<>(), true, true, true);
        var cfg = ResourceConfig.NONE.withSched(hard)
                .withCpuset(new Cpuset(Optional.of(CpuList.parse("1-2")), Optional.of(CpuList.parse("0")), true, false));
        CgroupLimits c = ResourcePlanner.plan(cfg, HOST).cgroup();
        assertEquals("1-2", c.cpus().orElseThrow().toString());
        assertEquals("0", c.mems().orElseThrow().toString());
        assertTrue(c.cpuExclusive());
        assertEquals(new CpuBandwidth(248_000, 124_000, 124_000), c.cpu());   // 2 CPUs of 1/4
        assertEquals(50, c.cpuWeight());
        assertTrue(c.frozen(), "sched_pause");
        assertEquals(1, ResourcePlanner.plan(cfg, HOST).notes().size(), "the burst note");
    }

    @Test
    void withoutCpusetAllHostCpusCount() throws Exception {
        var cfg = ResourceConfig.NONE.withSched(new Sched(TokenBucket.DEFAULTS, new TreeMap<>(), false, true, false));
        assertEquals(100, ResourcePlanner.plan(cfg, HOST).cgroup().cpuWeight());
        assertEquals(Optional.empty(), ResourcePlanner.plan(cfg, HOST).cgroup().cpus());
    }

    @Test
    void rssIsTheMemoryController() throws Exception {
        var rss = new Limit(OptionalLong.of(1000), OptionalLong.of(2000), OptionalLong.of(500));
        assertEquals(new CgroupLimits.Memory(2000 * 4096L, 1000 * 4096L, 500 * 4096L),
                ResourcePlanner.plan(with(Map.of(Resource.RSS, rss), Map.of()), HOST).cgroup().memory());
        assertEquals(new CgroupLimits.Memory(4096, 4096, 0),
                ResourcePlanner.plan(with(Map.of(Resource.RSS, Limit.both(1)), Map.of()), HOST).cgroup().memory(), "rlimits/rss sets both");
        assertEquals(new CgroupLimits.Memory(CgroupLimits.MAX, CgroupLimits.MAX, 0),
                ResourcePlanner.plan(with(Map.of(Resource.RSS, Limit.both(Limit.INFINITY)), Map.of()), HOST).cgroup().memory());
        assertEquals(new CgroupLimits.Memory(CgroupLimits.MAX, 40960, 0),
                ResourcePlanner.plan(with(Map.of(Resource.RSS, soft(10)), Map.of()), HOST).cgroup().memory());
    }

    @Test
    void nprocIsThePidsController() throws Exception {
        assertEquals(300, ResourcePlanner.plan(with(Map.of(Resource.NPROC, Limit.both(300)), Map.of()), HOST).cgroup().pidsMax());
        assertEquals(50, ResourcePlanner.plan(with(Map.of(Resource.NPROC, soft(50)), Map.of()), HOST).cgroup().pidsMax());
        ResourcePlan p = ResourcePlanner.plan(with(Map.of(Resource.NPROC, soft(50).withHard(80).withMin(3)), Map.of()), HOST);
        assertEquals(80, p.cgroup().pidsMax());
        assertEquals(List.of("rlimits/nproc: the pids controller has one limit; using hard 80, not soft 50",
                "rlimits/nproc.min: the pids controller has no guarantee; ignored"), p.notes());
        assertEquals(List.of(), p.process(), "nproc is no rlimit of the guest's processes");
        assertEquals(CgroupLimits.MAX, ResourcePlanner.plan(with(Map.of(Resource.NPROC, hard(Limit.INFINITY)), Map.of()), HOST).cgroup().pidsMax());
    }

    @Test
    void ioniceIsTheIoWeight() throws Exception {
        assertEquals(100, ResourcePlanner.ioWeight(Optional.empty()));
        assertEquals(1000, ResourcePlanner.ioWeight(Optional.of(new IoNice(IoNice.REALTIME, 4))));
        assertEquals(1, ResourcePlanner.ioWeight(Optional.of(new IoNice(IoNice.IDLE, 0))));
        int[] expected = {400, 283, 200, 141, 100, 71, 50, 35};
        for (int p = 0; p < 8; p++) assertEquals(expected[p], ResourcePlanner.ioWeight(Optional.of(new IoNice(IoNice.BEST_EFFORT, p))));
        assertEquals(400, ResourcePlanner.ioWeight(Optional.of(new IoNice(0, 0))), "class none is best-effort");
        var io = Optional.of(new IoNice(IoNice.BEST_EFFORT, 7));
        ResourcePlan plan = ResourcePlanner.plan(new ResourceConfig(Sched.NONE, Cpuset.NONE, Map.of(), Map.of(), io), HOST);
        assertEquals(35, plan.cgroup().ioWeight());
        assertEquals(io, plan.ionice());
    }

    @Test
    void processLimitsInTheKernelUnit() {
        var cfg = with(Map.of(Resource.NOFILE, soft(1024).withHard(4096), Resource.MEMLOCK, Limit.both(16),
                Resource.CORE, hard(0), Resource.AS, soft(Limit.INFINITY), Resource.CPU, Limit.NONE.withMin(5)), Map.of());
        assertEquals(List.of(new ProcessLimit(Rlimit.CORE, 0, 0), new ProcessLimit(Rlimit.NOFILE, 1024, 4096),
                new ProcessLimit(Rlimit.MEMLOCK, 65536, 65536), new ProcessLimit(Rlimit.AS, -1, -1)), ResourcePlanner.processLimits(cfg));
    }

    @Test
    void rlimitsOverrideUlimitsForTheSameResource() throws Exception {
        var cfg = with(Map.of(Resource.NOFILE, Limit.both(2048)),
                Map.of(Rlimit.NOFILE, Limit.both(100), Rlimit.STACK, soft(8 << 20).withHard(Limit.INFINITY), Rlimit.NPROC, Limit.both(5),
                        Rlimit.RSS, Limit.both(7)));
        ResourcePlan p = ResourcePlanner.plan(cfg, HOST);
        assertEquals(List.of(new ProcessLimit(Rlimit.STACK, 8 << 20, -1), new ProcessLimit(Rlimit.NOFILE, 2048, 2048)), p.process());
        assertEquals(p.process(), ResourcePlanner.processLimits(cfg));
        assertEquals(2, p.notes().size());
        assertTrue(p.notes().get(0).startsWith("ulimits/rss: RLIMIT_RSS has no effect on Linux"), p.notes().toString());
        assertTrue(p.notes().get(1).startsWith("ulimits/nproc: "), p.notes().toString());
        assertEquals(CgroupLimits.MAX, p.cgroup().pidsMax(), "ulimits/nproc is no pids limit");
    }

    @Test
    void minOfAProcessLimitAndContextOnlyResourcesAreNamed() throws Exception {
        var cfg = with(Map.of(Resource.NOFILE, Limit.both(64).withMin(10), Resource.NSOCK, Limit.both(10), Resource.DENTRY, hard(5)), Map.of());
        ResourcePlan p = ResourcePlanner.plan(cfg, HOST);
        assertEquals(List.of("rlimits/nofile.min: a per-process limit has no guarantee; ignored",
                "rlimits/nsock: mainline has no per-guest socket count; ignored",
                "rlimits/dentry: mainline has no per-guest dentry count; ignored"), p.notes());
        assertEquals(List.of(new ProcessLimit(Rlimit.NOFILE, 64, 64)), p.process());
    }
}
