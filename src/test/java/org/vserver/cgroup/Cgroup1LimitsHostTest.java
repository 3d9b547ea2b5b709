package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.CgroupLimits.CpuBandwidth;
import org.vserver.cgroup.CgroupLimits.Memory;
import org.vserver.kernel.CpuList;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;

/** apply/settings/counters against this host's v1 kernel: every limit raised and lowered in both directions. */
@RequiresKernel(Feature.CGROUP_V1)
class Cgroup1LimitsHostTest {
    /** The kernel's device programs, through this JVM's syscalls. */
    final DevicePolicy bpf = DevicePolicy.bpf(new LinuxSyscalls());
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    static final long MB = 1 << 20;

    final String parent = "vservers-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Cgroup1Manager cgroups;

    @BeforeEach void onlyAsRootOnAV1Host() throws IOException {
        cgroups = new Cgroup1Manager(ROOT, parent, Mountinfo.self(ProcFs.host()), bpf);
    }

    @AfterEach void cleanUp() throws IOException {
        if (cgroups == null) return;
        for (String g : List.of("a", "b", "c")) cgroups.remove(g);
        cgroups.removeParent();
        assertEquals(List.of(), leftovers(), "cgroup directories left behind");
    }

    static CgroupLimits limits(CpuBandwidth cpu, int weight, Optional<CpuList> cpus, Memory memory, long pids) {
        return new CgroupLimits(cpu, weight, cpus, Optional.empty(), false, false, memory, pids, 100, false);
    }

    @Test void limitsGoUpAndDownInEveryOrderTheKernelAccepts() throws IOException {
        cgroups.create("a");
        CpuList all = cgroups.cpus();
        assertEquals(CpuList.parse(Fixtures.read(ROOT.resolve("cpuset/cpuset.effective_cpus"))), all);
        CpuList first = CpuList.parse(Integer.toString(all.bits().nextSetBit(0)));

        var tight = limits(new CpuBandwidth(100_000, 50_000, 40_000), 50, Optional.of(first), new Memory(64 * MB, 32 * MB, 0), 50);
        assertEquals(List.of(), cgroups.apply("a", tight));
        SequencedMap<String, String> s = cgroups.settings("a");
        assertEquals("100000", s.get("cpu.cfs_period_us"));
        assertEquals("50000", s.get("cpu.cfs_quota_us"));
        assertEquals("40000", s.get("cpu.cfs_burst_us"));
        assertEquals("512", s.get("cpu.shares"));
        assertEquals(first.toString(), s.get("cpuset.cpus"));
        assertEquals(Long.toString(64 * MB), s.get("memory.limit_in_bytes"));
        assertEquals(Long.toString(32 * MB), s.get("memory.soft_limit_in_bytes"));
        if (s.containsKey("memory.memsw.limit_in_bytes")) assertEquals(Long.toString(64 * MB), s.get("memory.memsw.limit_in_bytes"));
        assertEquals("50", s.get("pids.max"));
        assertEquals("THAWED", s.get("freezer.state"));
        assertEquals(List.copyOf(s.sequencedKeySet()), List.copyOf(cgroups.settings("a").sequencedKeySet()), "stable order");

        // lower: the quota below the old burst, the memory limit below the old memsw
        var lower = limits(new CpuBandwidth(50_000, 10_000, 5_000), 1, Optional.of(first), new Memory(16 * MB, MCG_MAX, 0), 10);
        cgroups.apply("a", lower);
        s = cgroups.settings("a");
        assertEquals(List.of("50000", "10000", "5000", "10"), List.of(s.get("cpu.cfs_period_us"), s.get("cpu.cfs_quota_us"),
                s.get("cpu.cfs_burst_us"), s.get("cpu.shares")));
        assertEquals(Long.toString(16 * MB), s.get("memory.limit_in_bytes"));
        assertEquals("10", s.get("pids.max"));

        // raise: the memory limit above the old memsw, a burst above the old quota
        var higher = limits(new CpuBandwidth(200_000, 400_000, 300_000), 10000, Optional.of(all), new Memory(256 * MB, 128 * MB, 0), 1000);
        cgroups.apply("a", higher);
        s = cgroups.settings("a");
        assertEquals(List.of("200000", "400000", "300000", "102400"), List.of(s.get("cpu.cfs_period_us"), s.get("cpu.cfs_quota_us"),
                s.get("cpu.cfs_burst_us"), s.get("cpu.shares")));
        assertEquals(Long.toString(256 * MB), s.get("memory.limit_in_bytes"));
        if (s.containsKey("memory.memsw.limit_in_bytes")) assertEquals(Long.toString(256 * MB), s.get("memory.memsw.limit_in_bytes"));
        assertEquals(all.toString(), s.get("cpuset.cpus"));

        Counters c = cgroups.counters("a");
        assertEquals(0, c.throttled(), c.toString());
        assertEquals(0, c.oomKills(), c.toString());
        assertEquals(0, c.forkRefusals(), c.toString());
        assertTrue(c.periods() >= 0 && c.memoryFailures() >= 0 && c.memoryBytes() >= 0 && c.memoryPeakBytes() >= 0, c.toString());
        assertEquals(0, c.tasks());
        assertFalse(c.frozen());

        assertEquals(List.of("rss.min: cgroup v1 has no memory protection (memory.low); not applied"),
                cgroups.apply("a", limits(CpuBandwidth.UNLIMITED, 100, Optional.empty(), new Memory(MCG_MAX, MCG_MAX, 8 * MB), MCG_MAX)));

        assertEquals(List.of(), cgroups.apply("a", CgroupLimits.DEFAULT));
        s = cgroups.settings("a");
        assertEquals(List.of("100000", "-1", "0", "1024", "max"), List.of(s.get("cpu.cfs_period_us"), s.get("cpu.cfs_quota_us"),
                s.get("cpu.cfs_burst_us"), s.get("cpu.shares"), s.get("pids.max")));
        assertTrue(Long.parseLong(s.get("memory.limit_in_bytes")) > (1L << 60), s.toString());
        assertEquals(all.toString(), s.get("cpuset.cpus"), "an empty cpus leaves them as they are");
    }

    @Test void cpusOutsideTheParentAreRefusedNamingThem() throws IOException {
        cgroups.create("a");
        var e = assertThrows(IOException.class, () -> cgroups.apply("a",
                limits(CpuBandwidth.UNLIMITED, 100, Optional.of(CpuList.parse("4000")), Memory.UNLIMITED, MCG_MAX)));
        assertTrue(e.getMessage().startsWith("cpuset.cpus: CPUs 4000 are not in the parent's effective set"), e.getMessage());
    }

    /** v1 exclusive cpusets need an exclusive parent and no CPU shared with a sibling; the flags are undone again. */
    @RequiresKernel(Feature.TWO_CPUS)
    @Test void exclusiveCpusetMakesTheParentExclusiveAndReleasesIt() throws IOException {
        CpuList all = CpuList.parse(Fixtures.read(ROOT.resolve("cpuset/cpuset.effective_cpus")));
        // The kernel wants the whole chain up to the root exclusive, and an exclusive cpuset may share
        // no CPU with a sibling: another cpuset at the root holding CPUs (a running `vservers/` of
        // scripts/quickstart's demo, a container runtime's) makes it impossible on this host now.
        // Then the refusal is what is checked: clear, naming the sibling, and nothing left exclusive.
        Optional<Path> busy = Optional.empty();
        try (var siblings = Files.list(ROOT.resolve("cpuset"))) {
            for (Path sib : siblings.filter(Files::isDirectory).toList())
                if (busy.isEmpty() && !sib.getFileName().toString().equals(parent) && !Fixtures.read(sib.resolve("cpuset.cpus")).isBlank())
                    busy = Optional.of(sib);
        }
        if (busy.isPresent()) {
            cgroups.create("a");
            CpuList one = CpuList.parse(Integer.toString(all.bits().nextSetBit(0)));
            var exclusive = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.of(one), Optional.empty(), true, false,
                    Memory.UNLIMITED, MCG_MAX, 100, false);
            var refused = assertThrows(IOException.class, () -> cgroups.apply("a", exclusive), "a sibling at the root holds every CPU");
            assertTrue(refused.getMessage().contains("cpuset.cpu_exclusive") && refused.getMessage().contains(busy.get().getFileName().toString()),
                    refused.getMessage());
            assertEquals("0", Fixtures.read(ROOT.resolve("cpuset").resolve(parent).resolve("cpuset.cpu_exclusive")), "left exclusive");
            assertEquals("0", cgroups.settings("a").get("cpuset.cpu_exclusive"));
            return;
        }
        cgroups.create("a");
        cgroups.create("b");
        CpuList first = CpuList.parse(Integer.toString(all.bits().nextSetBit(0)));
        CpuList rest = all.minus(first);
        Path p = ROOT.resolve("cpuset").resolve(parent);

        var overlapping = new CgroupLimits(CpuBandwidth.UNLIMITED, 100, Optional.of(first), Optional.empty(), true, false,
                Memory.UNLIMITED, MCG_MAX, 100, false);
        var e = assertThrows(IOException.class, () -> cgroups.apply("a", overlapping), "b still has every CPU");
        assertTrue(e.getMessage().contains("cpuset.cpu_exclusive`) failed: Invalid argument: an exclusive cpuset may share no "
                + "cpuset.cpus entry with a sibling (a has " + first + ", `b` has " + all + ")"), e.getMessage());

        cgroups.apply("b", limits(CpuBandwidth.UNLIMITED, 100, Optional.of(rest), Memory.UNLIMITED, MCG_MAX));
        cgroups.apply("a", overlapping);
        assertEquals("1", Fixtures.read(p.resolve("cpuset.cpu_exclusive")));
        assertEquals("1", cgroups.settings("a").get("cpuset.cpu_exclusive"));
        var clash = assertThrows(IOException.class, () -> cgroups.apply("b",
                limits(CpuBandwidth.UNLIMITED, 100, Optional.of(all), Memory.UNLIMITED, MCG_MAX)));
        assertTrue(clash.getMessage().contains("`a` has " + first), clash.getMessage());

        cgroups.create("c");                                                  // beside an exclusive guest: gets the rest
        assertEquals(rest.toString(), cgroups.settings("c").get("cpuset.cpus"));
        cgroups.remove("c");

        cgroups.apply("a", CgroupLimits.DEFAULT);
        assertEquals("0", cgroups.settings("a").get("cpuset.cpu_exclusive"));
        assertEquals("0", Fixtures.read(p.resolve("cpuset.cpu_exclusive")), "released with its last exclusive child");
    }

    static final long MCG_MAX = CgroupLimits.MAX;

    List<Path> leftovers() throws IOException {
        var out = new ArrayList<Path>();
        try (DirectoryStream<Path> hs = Files.newDirectoryStream(ROOT)) {
            for (Path h : hs) if (Files.exists(h.resolve(parent))) out.add(h.resolve(parent));
        }
        return out;
    }
}
