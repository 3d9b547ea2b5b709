package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vserver.cgroup.CgroupLimits.MAX;
import static org.vserver.cgroup.Fixtures.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;
import org.vserver.cgroup.CgroupLimits.Memory;
import org.vserver.kernel.CpuList;

/** apply, settings, counters and cpus of the v2 manager on a fixture tree. */
class Cgroup2LimitsTest {
    @TempDir Path root;
    final FixtureDirs dirs = new FixtureDirs();
    final StrictWriter writer = new StrictWriter();
    static final Timeouts SHORT = new Timeouts(Duration.ofMillis(100), Duration.ofMillis(100));
    static final long MB = 1 << 20;

    /** Every file apply writes, with the values a fresh kernel cgroup has. */
    static final Map<String, String> GUEST_FILES = new LinkedHashMap<>();
    static {
        GUEST_FILES.put("cpu.max", "max 100000");
        GUEST_FILES.put("cpu.max.burst", "0");
        GUEST_FILES.put("cpu.weight", "100");
        GUEST_FILES.put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\n"
                + "throttled_usec 0\nnr_bursts 0\nburst_usec 0");
        GUEST_FILES.put("cpuset.cpus", "");
        GUEST_FILES.put("cpuset.mems", "");
        GUEST_FILES.put("cpuset.cpus.partition", "member");
        GUEST_FILES.put("cpuset.cpus.effective", "0-3");
        GUEST_FILES.put("cpuset.mems.effective", "0");
        GUEST_FILES.put("memory.max", "max");
        GUEST_FILES.put("memory.high", "max");
        GUEST_FILES.put("memory.low", "0");
        GUEST_FILES.put("memory.swap.max", "max");
        GUEST_FILES.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0");
        GUEST_FILES.put("memory.peak", "0");
        GUEST_FILES.put("pids.max", "max");
        GUEST_FILES.put("pids.current", "0");
        GUEST_FILES.put("pids.events", "max 0");
        GUEST_FILES.put("io.bfq.weight", "default 100");
        GUEST_FILES.put("cgroup.freeze", "0");
        GUEST_FILES.put("cgroup.events", "populated 0\nfrozen 0");
    }

    Cgroup2Manager manager() {
        return new Cgroup2Manager(root, "vservers", dirs, SHORT, writer, root.resolve("online"), new RecordingDevicePolicy());
    }

    /** A v2 tree with every controller, the parent's effective cpuset 0-3, and guest "web" with kernel defaults. */
    Cgroup2Manager withGuest() throws IOException {
        Fixtures.v2(root, "cpuset cpu io memory pids");
        var m = manager();
        m.create("web");
        for (var e : GUEST_FILES.entrySet()) FixtureDirs.put(guest().resolve(e.getKey()), e.getValue());
        FixtureDirs.put(root.resolve("vservers/cpuset.cpus.effective"), "0-3");
        FixtureDirs.put(root.resolve("vservers/cpuset.mems.effective"), "0");
        return m;
    }

    Path guest() {
        return root.resolve("vservers/web");
    }

    static final CgroupLimits FULL = new CgroupLimits(new CpuBandwidth(100_000, 50_000, 40_000), 50,
            Optional.of(CpuList.parse("1-2")), Optional.of(CpuList.parse("0")), true, true,
            new Memory(256 * MB, 128 * MB, 64 * MB), 50, 200, true);

    @Test void applyWritesEveryFileInAnOrderTheKernelAccepts() throws IOException {
        var m = withGuest();
        FixtureDirs.put(guest().resolve("cpu.max"), "30000 100000");
        FixtureDirs.put(guest().resolve("cpu.max.burst"), "30000");                 // above the new burst... and the old quota is lower
        Files.writeString(guest().resolve("cgroup.events"), "populated 1\nfrozen 1\n");
        assertEquals(List.of("cpuset.mem_exclusive: cgroup v2 has no exclusive memory nodes; not applied"), m.apply("web", FULL));
        assertEquals(List.of("cpu.max.burst=0", "cpu.max=50000 100000", "cpu.max.burst=40000", "cpu.weight=50",
                "cpuset.cpus=1-2", "cpuset.mems=0", "cpuset.cpus.partition=root",
                "memory.max=" + 256 * MB, "memory.swap.max=0", "memory.high=" + 128 * MB, "memory.low=" + 64 * MB,
                "pids.max=50", "io.bfq.weight=default 200"), writer.writes);
        assertEquals("1", read(guest().resolve("cgroup.freeze")));
    }

    @Test void defaultWritesTheKernelDefaultsBackAndLeavesTheCpuset() throws IOException {
        var m = withGuest();
        Files.writeString(guest().resolve("cgroup.events"), "populated 1\nfrozen 1\n");
        m.apply("web", FULL);
        Files.writeString(guest().resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        writer.writes.clear();
        assertEquals(List.of(), m.apply("web", CgroupLimits.DEFAULT));
        assertEquals(List.of("cpu.max.burst=0", "cpu.max=max 100000", "cpu.max.burst=0", "cpu.weight=100",
                "cpuset.cpus.partition=member", "memory.max=max", "memory.swap.max=max", "memory.high=max", "memory.low=0",
                "pids.max=max", "io.bfq.weight=default 100"), writer.writes);
        var expected = new LinkedHashMap<String, String>();
        expected.put("cpu.max", "max 100000");
        expected.put("cpu.max.burst", "0");
        expected.put("cpu.weight", "100");
        expected.put("cpuset.cpus", "1-2");                                          // empty = left as it is
        expected.put("cpuset.mems", "0");
        expected.put("cpuset.cpus.partition", "member");
        expected.put("memory.max", "max");
        expected.put("memory.swap.max", "max");
        expected.put("memory.high", "max");
        expected.put("memory.low", "0");
        expected.put("pids.max", "max");
        expected.put("io.bfq.weight", "default 100");
        expected.put("cgroup.freeze", "0");
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(m.settings("web").entrySet()));
    }

    @Test void everyLimitCanFollowEveryOther() throws IOException {
        var m = withGuest();
        var records = List.of(CgroupLimits.DEFAULT, FULL.withFrozen(false),
                new CgroupLimits(new CpuBandwidth(10_000, 1_000, 1_000), 1, Optional.empty(), Optional.empty(), false, false,
                        new Memory(MB, MAX, 0), 1, 1, false),
                new CgroupLimits(new CpuBandwidth(1_000_000, 4_000_000, 4_000_000), 10000, Optional.of(CpuList.parse("0-3")),
                        Optional.empty(), false, false, new Memory(1L << 40, 1L << 39, 1L << 38), MAX, 1000, false));
        for (var from : records)
            for (var to : records) {
                m.apply("web", from);
                m.apply("web", to);
                var s = m.settings("web");
                String quota = to.cpu().quotaUs() == MAX ? "max" : Long.toString(to.cpu().quotaUs());
                assertEquals(quota + " " + to.cpu().periodUs(), s.get("cpu.max"), from + " -> " + to);
                assertEquals(Long.toString(to.cpu().burstUs()), s.get("cpu.max.burst"));
                assertEquals(MemoryController.max2(to.memory().max()), s.get("memory.max"));
                assertEquals(MemoryController.max2(to.pidsMax()), s.get("pids.max"));
            }
    }

    @Test void aLimitWithoutItsControllerIsAnErrorNamingTheFile() throws IOException {
        Fixtures.v2(root, "");                                                       // controller-less, like /sys/fs/cgroup/unified
        var m = manager();
        m.create("web");
        assertEquals(List.of(), m.apply("web", CgroupLimits.DEFAULT), "defaults need no controller");
        assertEquals(List.of("cgroup.freeze"), List.copyOf(m.settings("web").keySet()));
        var cpu = CgroupLimits.DEFAULT;
        var e = assertThrows(IOException.class, () -> m.apply("web",
                new CgroupLimits(new CpuBandwidth(100_000, 50_000, 0), 100, Optional.empty(), Optional.empty(), false, false,
                        Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpu.max: the cpu controller is not available for " + guest() + ": cannot enforce a CPU limit"
                + " (enable the controller for this cgroup or remove the limit)", e.getMessage());
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(cpu.cpu(), 100, cpu.cpus(), cpu.mems(),
                false, false, new Memory(MB, MAX, 0), MAX, 100, false)));
        assertEquals("memory.max", e.getMessage().split(":")[0]);
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(cpu.cpu(), 100, cpu.cpus(), cpu.mems(),
                false, false, Memory.UNLIMITED, 10, 100, false)));
        assertEquals("pids.max", e.getMessage().split(":")[0]);
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(cpu.cpu(), 100, Optional.of(CpuList.parse("0")),
                cpu.mems(), false, false, Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpuset.cpus", e.getMessage().split(":")[0]);
        e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(cpu.cpu(), 500, cpu.cpus(), cpu.mems(),
                false, false, Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpu.weight", e.getMessage().split(":")[0]);
    }

    @Test void ioWeightFallsBackToIoWeightThenToANote() throws IOException {
        var m = withGuest();
        Files.delete(guest().resolve("io.bfq.weight"));
        FixtureDirs.put(guest().resolve("io.weight"), "default 100");
        var io300 = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.empty(), Optional.empty(), false, false,
                Memory.UNLIMITED, MAX, 300, false);
        assertEquals(List.of(), m.apply("web", io300));
        assertEquals("default 300", read(guest().resolve("io.weight")));
        Files.delete(guest().resolve("io.weight"));
        assertEquals(List.of("io.bfq.weight: absent in " + guest() + ": the host's block controller has no weight"
                + " (bfq not available); I/O weight 300 not applied"), m.apply("web", io300));
        assertEquals(List.of(), m.apply("web", CgroupLimits.DEFAULT));
    }

    @Test void cpusOutsideTheParentsEffectiveSetAreNamed() throws IOException {
        var m = withGuest();
        FixtureDirs.put(root.resolve("vservers/cpuset.cpus.effective"), "0-1");
        var e = assertThrows(IOException.class, () -> m.apply("web", new CgroupLimits(CpuBandwidth.UNLIMITED, 100,
                Optional.of(CpuList.parse("1-3")), Optional.empty(), false, false, Memory.UNLIMITED, MAX, 100, false)));
        assertEquals("cpuset.cpus: CPUs 2-3 are not in the parent's effective set 0-1 (`"
                + root.resolve("vservers/cpuset.cpus.effective") + "`): choose CPUs from 0-1", e.getMessage());
        assertEquals("", read(guest().resolve("cpuset.cpus")), "nothing written");
    }

    @Test void anInvalidPartitionIsTurnedBackIntoAMember() throws IOException {
        var m = new Cgroup2Manager(root, "vservers", dirs, SHORT, (file, value) -> {
            writer.write(file, value.equals("root") ? "root invalid (Parent is not a partition root)" : value);
        }, root.resolve("online"), new RecordingDevicePolicy());
        withGuest();
        var e = assertThrows(IOException.class, () -> m.apply("web", FULL.withFrozen(false)));
        assertEquals("write(`" + guest().resolve("cpuset.cpus.partition") + "`) failed: the kernel made it \"root invalid"
                + " (Parent is not a partition root)\": a partition root needs CPUs no sibling uses and a parent that is"
                + " a partition root itself; drop cpu_exclusive or give the parent a partition of its own", e.getMessage());
        assertEquals("member", read(guest().resolve("cpuset.cpus.partition")));
    }

    @Test void countersReadTheEventFiles() throws IOException {
        var m = withGuest();
        FixtureDirs.put(guest().resolve("cpu.stat"), "usage_usec 9\nnr_periods 10\nnr_throttled 3\nthrottled_usec 1500\n"
                + "nr_bursts 2\nburst_usec 700");
        FixtureDirs.put(guest().resolve("memory.events"), "low 0\nhigh 4\nmax 5\noom 1\noom_kill 1");
        FixtureDirs.put(guest().resolve("pids.events"), "max 7");
        FixtureDirs.put(guest().resolve("memory.current"), "4096");
        FixtureDirs.put(guest().resolve("memory.peak"), "8192");
        FixtureDirs.put(guest().resolve("pids.current"), "3");
        FixtureDirs.put(guest().resolve("cgroup.events"), "populated 1\nfrozen 1");
        assertEquals(new Counters(10, 3, 1500, 2, 700, 1, 5, 7, 4096, 8192, 3, true), m.counters("web"));
    }

    @Test void countersAreMinusOneWithoutControllers() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        FixtureDirs.put(guest().resolve("cgroup.threads"), "5\n6\n");
        Files.delete(guest().resolve("memory.current"));                             // seeded from the fixture root
        FixtureDirs.put(guest().resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0");
        assertEquals(new Counters(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, false), m.counters("web"));
    }

    @Test void cpusAreTheParentsEffectiveSetElseTheRootsElseOnline() throws IOException {
        Fixtures.v2(root, "cpuset");
        FixtureDirs.put(root.resolve("online"), "0-7\n");
        var m = manager();
        assertEquals("0-7", m.cpus().toString());
        FixtureDirs.put(root.resolve("cpuset.cpus.effective"), "0-5");
        assertEquals("0-5", m.cpus().toString());
        FixtureDirs.put(root.resolve("vservers/cpuset.cpus.effective"), "2-3");
        assertEquals("2-3", m.cpus().toString());
    }

    @Test void aMissingCgroupIsAnError() throws IOException {
        Fixtures.v2(root, "cpu");
        var m = manager();
        var e = assertThrows(IOException.class, () -> m.apply("web", CgroupLimits.DEFAULT));
        assertEquals("stat(`" + guest() + "`) failed: No such file or directory: the guest's cgroup does not exist"
                + " (is the guest running?)", e.getMessage());
        assertThrows(IOException.class, () -> m.counters("web"));
        assertThrows(IOException.class, () -> m.settings("web"));
    }
}
