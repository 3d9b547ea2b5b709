package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vserver.cgroup.CgroupLimits.MAX;
import static org.vserver.cgroup.Fixtures.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;
import org.vserver.cgroup.CgroupLimits.Memory;
import org.vserver.kernel.CpuList;

/** apply, settings, counters and cpus of the v1 manager on a fixture tree laid out like this host's. */
class Cgroup1LimitsTest {
    @TempDir Path root;
    final FixtureDirs dirs = new FixtureDirs();
    final StrictWriter writer = new StrictWriter();
    static final Timeouts SHORT = new Timeouts(Duration.ofMillis(100), Duration.ofMillis(100));
    static final long MB = 1 << 20;
    static final String UNLIMITED = "9223372036854771712";                   // how v1 reads back -1

    /** Per hierarchy, the files apply writes and counters reads, with a fresh kernel cgroup's values. */
    static final Map<String, Map<String, String>> GUEST_FILES = Map.of(
            "cpu", Map.of("cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", "-1", "cpu.cfs_burst_us", "0",
                    "cpu.shares", "1024", "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0"),
            "cpuset", Map.of("cpuset.cpu_exclusive", "0", "cpuset.mem_exclusive", "0"),
            "memory", Map.of("memory.limit_in_bytes", UNLIMITED, "memory.memsw.limit_in_bytes", UNLIMITED,
                    "memory.soft_limit_in_bytes", UNLIMITED, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0",
                    "memory.failcnt", "0", "memory.max_usage_in_bytes", "0"),
            "pids", Map.of("pids.max", "max", "pids.events", "max 0"),
            "blkio", Map.of("blkio.bfq.weight", "100"));

    Cgroup1Manager manager() throws IOException {
        return new Cgroup1Manager(root, "vservers", dirs, SHORT, writer, root.resolve("online"));
    }

    Path dir(String hierarchy, String guest) {
        return root.resolve(hierarchy).resolve("vservers").resolve(guest);
    }

    Cgroup1Manager withGuest(String... guests) throws IOException {
        Fixtures.v1All(root);
        FixtureDirs.put(root.resolve("cpuset/cpuset.cpu_exclusive"), "1");   // the root always is
        FixtureDirs.put(root.resolve("cpuset/cpuset.mem_exclusive"), "1");
        var m = manager();
        for (String g : guests) {
            m.create(g);
            for (var h : GUEST_FILES.entrySet())
                for (var f : h.getValue().entrySet()) FixtureDirs.put(dir(h.getKey(), g).resolve(f.getKey()), f.getValue());
        }
        for (String f : List.of("cpuset.cpu_exclusive", "cpuset.mem_exclusive")) FixtureDirs.put(root.resolve("cpuset/vservers").resolve(f), "0");
        return m;
    }

    static CgroupLimits limits(CpuBandwidth cpu, int weight, Memory memory) {
        return new CgroupLimits(cpu, weight, Optional.empty(), Optional.empty(), false, false, memory, MAX, 100, false);
    }

    @Test void applyWritesEveryFileInAnOrderTheKernelAccepts() throws IOException {
        var m = withGuest("web");
        var full = new CgroupLimits(new CpuBandwidth(50_000, 20_000, 10_000), 50, Optional.of(CpuList.parse("1-2")),
                Optional.of(CpuList.parse("0")), false, false, new Memory(256 * MB, 128 * MB, 0), 50, 200, false);
        assertEquals(List.of(), m.apply("web", full));
        assertEquals(List.of("cpu.cfs_period_us=50000", "cpu.cfs_quota_us=20000", "cpu.cfs_burst_us=10000", "cpu.shares=512",
                "cpuset.cpu_exclusive=0", "cpuset.mem_exclusive=0", "cpuset.cpus=1-2", "cpuset.mems=0",
                "memory.limit_in_bytes=" + 256 * MB, "memory.memsw.limit_in_bytes=" + 256 * MB,
                "memory.soft_limit_in_bytes=" + 128 * MB, "pids.max=50", "blkio.bfq.weight=200"), writer.writes);
        assertEquals("THAWED", read(dir("freezer", "web").resolve("freezer.state")));
    }

    @Test void aLowerQuotaGoesAfterTheOldBurstIsZeroed() throws IOException {
        var m = withGuest("web");
        m.apply("web", limits(new CpuBandwidth(100_000, 50_000, 40_000), 100, Memory.UNLIMITED));
        writer.writes.clear();
        m.apply("web", limits(new CpuBandwidth(100_000, 10_000, 5_000), 100, Memory.UNLIMITED));
        assertEquals(List.of("cpu.cfs_burst_us=0", "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=10000", "cpu.cfs_burst_us=5000"),
                writer.of("cpu.cfs"));
    }

    @Test void memswIsRaisedFirstAndLoweredLast() throws IOException {
        var m = withGuest("web");
        m.apply("web", limits(CpuBandwidth.UNLIMITED, 100, new Memory(64 * MB, MAX, 0)));
        assertEquals(List.of("memory.limit_in_bytes=" + 64 * MB, "memory.memsw.limit_in_bytes=" + 64 * MB),
                writer.writes.stream().filter(w -> w.contains("limit_in_bytes") && !w.contains("soft")).toList(), "lowered: limit first");
        writer.writes.clear();
        m.apply("web", limits(CpuBandwidth.UNLIMITED, 100, new Memory(256 * MB, MAX, 0)));
        assertEquals(List.of("memory.memsw.limit_in_bytes=" + 256 * MB, "memory.limit_in_bytes=" + 256 * MB),
                writer.writes.stream().filter(w -> w.contains("limit_in_bytes") && !w.contains("soft")).toList(), "raised: memsw first");
        writer.writes.clear();
        m.apply("web", CgroupLimits.DEFAULT);
        assertEquals(List.of("memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1", "memory.soft_limit_in_bytes=-1"),
                writer.of("memory."));
    }

    @Test void everyLimitCanFollowEveryOther() throws IOException {
        var m = withGuest("web");
        var records = List.of(CgroupLimits.DEFAULT,
                limits(new CpuBandwidth(10_000, 1_000, 1_000), 1, new Memory(MB, MAX, 0)),
                limits(new CpuBandwidth(1_000_000, 4_000_000, 4_000_000), 10000, new Memory(1L << 40, 1L << 39, 0)),
                limits(new CpuBandwidth(100_000, 50_000, 0), 100, new Memory(64 * MB, 32 * MB, 0)));
        for (var from : records)
            for (var to : records) {
                m.apply("web", from);
                m.apply("web", to);
                var s = m.settings("web");
                assertEquals(Long.toString(to.cpu().quotaUs()), s.get("cpu.cfs_quota_us"), from + " -> " + to);
                assertEquals(Long.toString(to.cpu().burstUs()), s.get("cpu.cfs_burst_us"));
                assertEquals(Long.toString(CpuController1.shares(to.cpuWeight())), s.get("cpu.shares"));
                assertEquals(Long.toString(to.memory().max()), s.get("memory.limit_in_bytes"));
                assertEquals(Long.toString(to.memory().max()), s.get("memory.memsw.limit_in_bytes"));
            }
    }

    @Test void weightIsScaledToShares() {
        assertEquals(10, CpuController1.shares(1));
        assertEquals(1024, CpuController1.shares(100));
        assertEquals(102400, CpuController1.shares(10000));
        assertEquals(2, CpuController1.shares(0), "the kernel's minimum");
    }

    @Test void settingsInAStableOrder() throws IOException {
        var m = withGuest("web");
        assertEquals(List.of("cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.shares", "cpuset.cpus",
                "cpuset.mems", "cpuset.cpu_exclusive", "cpuset.mem_exclusive", "memory.limit_in_bytes",
                "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "pids.max", "blkio.bfq.weight", "freezer.state"),
                List.copyOf(m.settings("web").keySet()));
        assertEquals("0-3", m.settings("web").get("cpuset.cpus"), "create() copied the parent's");
        assertEquals("max", m.settings("web").get("pids.max"));
    }

    @Test void notesForWhatV1Lacks() throws IOException {
        var m = withGuest("web");
        Files.delete(dir("blkio", "web").resolve("blkio.bfq.weight"));
        var l = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.empty(), Optional.empty(), false, false,
                new Memory(MAX, MAX, 8 * MB), MAX, 300, false);
        assertEquals(List.of("rss.min: cgroup v1 has no memory protection (memory.low); not applied",
                "blkio.bfq.weight: absent in " + dir("blkio", "web") + ": the host's block controller has no weight"
                        + " (bfq not available); I/O weight 300 not applied"), m.apply("web", l));
        assertEquals(List.of(), m.apply("web", CgroupLimits.DEFAULT));
    }

    @Test void aLimitWithoutItsHierarchyIsAnErrorNamingWhereItWouldBe() throws IOException {
        Fixtures.v1(root, "cpuacct", "memory", "freezer");
        var m = manager();
        m.create("web");
        assertEquals(List.of(), m.apply("web", CgroupLimits.DEFAULT), "defaults need no controller");
        var e = assertThrows(IOException.class, () -> m.apply("web",
                limits(new CpuBandwidth(100_000, 50_000, 0), 100, Memory.UNLIMITED)));
        assertEquals("cpu.cfs_quota_us: the cpu controller is not available for " + dir("cpu", "web")
                + ": cannot enforce a CPU limit (enable the controller for this cgroup or remove the limit)", e.getMessage());
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(CpuBandwidth.UNLIMITED, 100,
                Optional.of(CpuList.parse("0")), Optional.empty(), false, false, Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpuset.cpus", e.getMessage().split(":")[0]);
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(CpuBandwidth.UNLIMITED, 100,
                Optional.empty(), Optional.empty(), false, false, Memory.UNLIMITED, 5, 100, false)));
        assertEquals("pids.max", e.getMessage().split(":")[0]);
    }

    @Test void cpusOutsideTheParentAreNamed() throws IOException {
        var m = withGuest("web");
        FixtureDirs.put(root.resolve("cpuset/vservers/cpuset.effective_cpus"), "0-1");
        var e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(CpuBandwidth.UNLIMITED, 100,
                Optional.of(CpuList.parse("1-3")), Optional.empty(), false, false, Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpuset.cpus: CPUs 2-3 are not in the parent's effective set 0-1 (`"
                + root.resolve("cpuset/vservers/cpuset.effective_cpus") + "`): choose CPUs from 0-1", e.getMessage());
    }

    @Test void anExclusiveCpusetMakesItsParentExclusiveFirstAndReleasesIt() throws IOException {
        var m = withGuest("a", "b");
        var exclusive = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.of(CpuList.parse("0")), Optional.empty(),
                true, false, Memory.UNLIMITED, MAX, 100, false);
        m.apply("a", exclusive);
        m.apply("b", exclusive);
        assertEquals(List.of("cpuset.cpu_exclusive=1", "cpuset.cpu_exclusive=1", "cpuset.cpu_exclusive=1"),
                writer.of("cpuset.cpu_exclusive=1"), "parent, a, b (the parent once)");
        m.create("c");
        assertEquals("1-3", read(dir("cpuset", "c").resolve("cpuset.cpus")), "what the exclusive siblings leave");
        m.remove("c");
        m.apply("a", CgroupLimits.DEFAULT);
        assertEquals("1", read(root.resolve("cpuset/vservers/cpuset.cpu_exclusive")), "b still needs it");
        m.apply("b", CgroupLimits.DEFAULT);
        assertEquals("0", read(root.resolve("cpuset/vservers/cpuset.cpu_exclusive")));
        assertEquals("1", read(root.resolve("cpuset/cpuset.cpu_exclusive")), "the root is left alone");
        assertEquals("0", read(dir("cpuset", "a").resolve("cpuset.cpu_exclusive")));
    }

    @Test void countersReadTheEventFiles() throws IOException {
        var m = withGuest("web");
        FixtureDirs.put(dir("cpu", "web").resolve("cpu.stat"),
                "nr_periods 10\nnr_throttled 3\nthrottled_time 1500000\nnr_bursts 2\nburst_time 700000");
        FixtureDirs.put(dir("memory", "web").resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1");
        FixtureDirs.put(dir("memory", "web").resolve("memory.failcnt"), "5");
        FixtureDirs.put(dir("memory", "web").resolve("memory.usage_in_bytes"), "4096");
        FixtureDirs.put(dir("memory", "web").resolve("memory.max_usage_in_bytes"), "8192");
        FixtureDirs.put(dir("pids", "web").resolve("pids.events"), "max 7");
        FixtureDirs.put(dir("pids", "web").resolve("tasks"), "100\n101\n");
        FixtureDirs.put(dir("freezer", "web").resolve("freezer.state"), "FROZEN");
        assertEquals(new Counters(10, 3, 1500, 2, 700, 1, 5, 7, 4096, 8192, 2, true), m.counters("web"));
    }

    @Test void countersAreMinusOneWithoutHierarchies() throws IOException {
        Fixtures.v1(root, "freezer");
        var m = manager();
        m.create("web");
        assertEquals(new Counters(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, false), m.counters("web"));
    }

    @Test void cpusAreTheParentsEffectiveSetElseTheRootsElseOnline() throws IOException {
        FixtureDirs.put(root.resolve("online"), "0-7");
        Fixtures.v1(root, "pids");
        assertEquals("0-7", manager().cpus().toString(), "no cpuset hierarchy");
        Fixtures.v1(root, "cpuset");
        assertEquals("0-3", manager().cpus().toString(), "the root's before the parent exists");
        FixtureDirs.put(root.resolve("cpuset/vservers/cpuset.cpus"), "0-3");
        FixtureDirs.put(root.resolve("cpuset/vservers/cpuset.effective_cpus"), "1-2");
        assertEquals("1-2", manager().cpus().toString());
    }
}
