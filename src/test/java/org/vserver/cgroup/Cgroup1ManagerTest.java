package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.cgroup.Fixtures.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cgroup1ManagerTest {
    @TempDir Path root;
    final FixtureDirs dirs = new FixtureDirs();
    static final Timeouts SHORT = new Timeouts(Duration.ofMillis(200), Duration.ofMillis(200));

    @BeforeEach void realPath() throws IOException {
        root = root.toRealPath();                                          // hierarchies are resolved to real paths
    }

    Cgroup1Manager manager(String parent) throws IOException {
        return new Cgroup1Manager(root, parent, dirs, SHORT);
    }

    final RecordingDevicePolicy devices = new RecordingDevicePolicy();

    /** A hybrid host: the v1 hierarchies plus the controller-less cgroup2 "unified" beside them. */
    Cgroup1Manager hybrid(String parent) throws IOException {
        return new Cgroup1Manager(root, parent, dirs, SHORT, CgroupWriter.FILES, root.resolve("online"),
                java.util.Optional.of(root.resolve("unified")), devices);
    }

    @Test void findsEveryControllerHierarchyAndSkipsNamedAndUnified() throws IOException {
        Fixtures.v1All(root);
        var names = manager("vservers").hierarchies().stream().map(h -> h.mount().getFileName().toString()).toList();
        assertEquals(Fixtures.ALL_V1, names);
    }

    @Test void coMountedHierarchyCountsOnceThroughItsSymlinks() throws IOException {
        Fixtures.v1(root, "cpu,cpuacct", "memory");
        Files.createSymbolicLink(root.resolve("cpu"), Path.of("cpu,cpuacct"));
        Files.createSymbolicLink(root.resolve("cpuacct"), Path.of("cpu,cpuacct"));
        List<Hierarchy> hs = manager("vservers").hierarchies();
        assertEquals(2, hs.size());
        assertEquals(java.util.Set.of("cpu", "cpuacct"), hs.get(0).controllers());
        assertEquals("cpu,cpuacct", hs.get(0).mount().getFileName().toString());

        var m = manager("vservers");
        m.create("web");
        assertTrue(Files.isDirectory(root.resolve("cpu,cpuacct/vservers/web")));
        assertEquals(List.of(root.resolve("cpu,cpuacct/vservers/web/cgroup.procs"), root.resolve("memory/vservers/web/cgroup.procs")),
                m.procsFiles("web"));
    }

    @Test void createMakesOneDirectoryPerHierarchy() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        assertFalse(m.exists("web"));
        m.create("web");
        assertTrue(m.exists("web"));
        for (String c : Fixtures.ALL_V1) assertTrue(Files.isDirectory(root.resolve(c).resolve("vservers/web")), c);
        assertFalse(Files.exists(root.resolve("systemd/vservers")));
        assertFalse(Files.exists(root.resolve("unified/vservers")));
    }

    @Test void cpusetValuesAreCopiedDownBeforeAnyTaskJoins() throws IOException {
        Fixtures.v1All(root);
        manager("vservers").create("web");
        for (String level : List.of("cpuset/vservers", "cpuset/vservers/web")) {
            assertEquals("0-3", read(root.resolve(level).resolve("cpuset.cpus")), level);
            assertEquals("0", read(root.resolve(level).resolve("cpuset.mems")), level);
        }
    }

    @Test void cpusetKeepsValuesAParentAlreadyHas() throws IOException {
        Fixtures.v1All(root);
        FixtureDirs.put(root.resolve("cpuset/vservers/cpuset.cpus"), "2");
        FixtureDirs.put(root.resolve("cpuset/vservers/cpuset.mems"), "0");
        FixtureDirs.put(root.resolve("cpuset/vservers/cgroup.procs"), "");
        manager("vservers").create("web");
        assertEquals("2", read(root.resolve("cpuset/vservers/web/cpuset.cpus")));
    }

    @Test void memoryHierarchyIsSwitchedOnForTheParent() throws IOException {
        Fixtures.v1All(root);
        manager("vservers").create("web");
        assertEquals("1", read(root.resolve("memory/vservers/memory.use_hierarchy")));
    }

    @Test void memoryHierarchyThatCannotBeWrittenIsIgnored() throws IOException {
        Fixtures.v1All(root);
        // a use_hierarchy that fails to read or write (EINVAL on kernels where it is fixed): here a directory
        FixtureDirs.put(root.resolve("memory/vservers/cgroup.procs"), "");
        Files.createDirectory(root.resolve("memory/vservers/memory.use_hierarchy"));
        manager("vservers").create("web");
        assertTrue(Files.isDirectory(root.resolve("memory/vservers/web")));
    }

    @Test void devicesDenyAllThenAllowTheListOneRulePerWrite() throws IOException {
        Fixtures.v1All(root);
        manager("vservers").create("web");
        Path g = root.resolve("devices/vservers/web");
        assertEquals(List.of("a"), Files.readAllLines(g.resolve("devices.deny")));
        assertEquals(List.of("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"), Files.readAllLines(g.resolve("devices.allow")));
        assertEquals("", read(root.resolve("devices/vservers/devices.deny")), "the parent stays as it was");
    }

    @Test void addProcessWritesThePidIntoEveryHierarchy() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        m.addProcess("web", 4242);
        for (String c : Fixtures.ALL_V1) assertEquals("4242", read(root.resolve(c).resolve("vservers/web/cgroup.procs")), c);
        assertEquals(8, m.procsFiles("web").size());
        assertEquals(List.of(4242), m.processes("web"));
    }

    @Test void processesIncludeDescendantCgroupsAndPreferThePidsHierarchy() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        FixtureDirs.put(root.resolve("pids/vservers/web/cgroup.procs"), "10\n11\n");
        FixtureDirs.put(root.resolve("pids/vservers/web/sub/cgroup.procs"), "12\n10\n");
        FixtureDirs.put(root.resolve("freezer/vservers/web/cgroup.procs"), "99\n");   // not the one counted
        assertEquals(List.of(10, 11, 12), m.processes("web"));
        assertEquals(List.of(), m.processes("absent"));
    }

    @Test void processesFallBackToFreezerThenTheFirstHierarchy() throws IOException {
        Fixtures.v1(root, "cpu", "freezer");
        var m = manager("vservers");
        m.create("web");
        FixtureDirs.put(root.resolve("freezer/vservers/web/cgroup.procs"), "7\n");
        assertEquals(List.of(7), m.processes("web"));
    }

    @Test void createRefusesACgroupThatStillHasProcesses() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        m.create("web");                                                   // empty: reused
        m.addProcess("web", 5);
        var e = assertThrows(IOException.class, () -> m.create("web"));
        assertTrue(e.getMessage().contains("in use by pids [5]"), e.getMessage());
    }

    @Test void freezeWritesTheStateAndWaitsForIt() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        Path state = root.resolve("freezer/vservers/web/freezer.state");
        m.freeze("web", true);
        assertEquals("FROZEN", read(state));
        m.freeze("web", false);
        assertEquals("THAWED", read(state));
    }

    @Test void freezeWithoutAFreezerIsANoOp() throws IOException {
        Fixtures.v1(root, "cpu", "memory");
        var m = manager("vservers");
        m.create("web");
        m.freeze("web", true);
    }

    @Test void waitingTimesOutNamingTheStateFile() throws IOException {
        // a freezer stuck in FREEZING (a task in uninterruptible sleep): the wait gives up, naming the file
        Path state = FixtureDirs.put(root.resolve("g/freezer.state"), "FREEZING\n");
        var nudges = new java.util.concurrent.atomic.AtomicInteger();
        var e = assertThrows(IOException.class,
                () -> CgroupFiles.await(state, "FROZEN"::equals, "FROZEN", Duration.ofMillis(100), nudges::incrementAndGet));
        assertEquals("wait(`" + state + "`) failed: FROZEN not reached after 100 ms (last: FREEZING)", e.getMessage());
        assertTrue(nudges.get() > 0, "the write is repeated between polls");
    }

    @Test void usageReadsCpuacctMemoryAndTasks() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        FixtureDirs.put(root.resolve("cpuacct/vservers/web/cpuacct.stat"), "user 150\nsystem 25\n");
        FixtureDirs.put(root.resolve("memory/vservers/web/memory.usage_in_bytes"), "8192\n");
        FixtureDirs.put(root.resolve("pids/vservers/web/tasks"), "10\n11\n13\n");
        FixtureDirs.put(root.resolve("pids/vservers/web/sub/tasks"), "12\n");
        assertEquals(new CgroupManager.Usage(1_500_000_000L, 250_000_000L, 8192, 4), m.usage("web"));
    }

    @Test void usageWithoutCpuacctStatUsesTheUnsplitTotal() throws IOException {
        Fixtures.v1(root, "cpuacct", "pids");
        var m = manager("vservers");
        m.create("web");
        Files.delete(root.resolve("cpuacct/vservers/web/cpuacct.stat"));
        FixtureDirs.put(root.resolve("cpuacct/vservers/web/cpuacct.usage"), "123456789");
        assertEquals(new CgroupManager.Usage(123456789, 0, -1, 0), m.usage("web"));
    }

    @Test void usageOfAnAbsentGuestNamesTheDirectory() throws IOException {
        Fixtures.v1All(root);
        var e = assertThrows(IOException.class, () -> manager("vservers").usage("nope"));
        assertEquals("stat(`" + root.resolve("pids/vservers/nope") + "`) failed: No such file or directory", e.getMessage());
    }

    @Test void errorsNameTheFileAndTheReason() throws IOException {
        Fixtures.v1All(root);
        var e = assertThrows(IOException.class, () -> manager("vservers").addProcess("ghost", 1));
        assertEquals("write(`" + root.resolve("cpu/vservers/ghost/cgroup.procs") + "`) failed: No such file or directory",
                e.getMessage());
    }

    @Test void removeIsDeepestFirstInEveryHierarchyAndAbsentIsFine() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        m.create("web");
        m.create("db");
        dirs.mkdir(root.resolve("cpu/vservers/web/inner"));
        m.remove("web");
        m.remove("web");
        assertFalse(m.exists("web"));
        assertTrue(dirs.removed.indexOf(root.resolve("cpu/vservers/web/inner")) < dirs.removed.indexOf(root.resolve("cpu/vservers/web")));
        assertTrue(dirs.removed.contains(root.resolve("cpu/vservers/web/inner")));
        m.removeParent();
        assertTrue(Files.isDirectory(root.resolve("cpu/vservers")), "db is still there");
        m.remove("db");
        m.removeParent();
        try (Stream<Path> s = Files.walk(root)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().equals("vservers")).toList());
        }
    }

    @Test void removeParentClimbsANestedParent() throws IOException {
        Fixtures.v1(root, "pids");
        var m = manager("machine/vservers");
        m.create("web");
        assertTrue(Files.isDirectory(root.resolve("pids/machine/vservers/web")));
        m.remove("web");
        m.removeParent();
        assertFalse(Files.exists(root.resolve("pids/machine")));
    }

    @Test void removeRetriesWhileTheLastTaskIsExiting() throws Exception {
        Fixtures.v1(root, "pids");
        var m = new Cgroup1Manager(root, "vservers", dirs, new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)));
        m.create("web");
        Path procs = root.resolve("pids/vservers/web/cgroup.procs");
        Files.writeString(procs, "77\n");
        Thread exiting = Thread.ofPlatform().start(() -> {
            try { Thread.sleep(100); Files.writeString(procs, ""); } catch (Exception e) { throw new RuntimeException(e); }
        });
        m.remove("web");
        exiting.join();
        assertFalse(m.exists("web"));
    }

    @Test void removeGivesUpOnABusyCgroupNamingIt() throws IOException {
        Fixtures.v1(root, "pids");
        var m = manager("vservers");
        m.create("web");
        m.addProcess("web", 77);
        var e = assertThrows(IOException.class, () -> m.remove("web"));
        assertEquals("rmdir(`" + root.resolve("pids/vservers/web") + "`) failed: Device or resource busy", e.getMessage());
    }

    @Test void guestAndParentNamesMustBeSingleSafeSegments() throws IOException {
        Fixtures.v1All(root);
        var m = manager("vservers");
        for (String bad : List.of("", ".", "..", "a/b", "../x"))
            assertThrows(IllegalArgumentException.class, () -> m.create(bad), bad);
        for (String bad : List.of("", "/abs", "a/../b", "a/", "."))
            assertThrows(IllegalArgumentException.class, () -> manager(bad), bad);
    }

    @Test void versionNamesTheMechanism() throws IOException {
        Fixtures.v1All(root);
        assertEquals("cgroup v1", manager("vservers").version());
    }

    @Test void hybridTheGuestAlsoGetsAUnifiedCgroupWithTheDeviceProgram() throws IOException {
        Fixtures.v1All(root);
        var m = hybrid("vservers");
        m.create("web");
        Path u = root.resolve("unified/vservers/web");
        assertTrue(Files.isDirectory(u));
        assertEquals(List.of(u), devices.attached, "attached to the guest's unified cgroup only");
        assertEquals(List.of("a"), Files.readAllLines(root.resolve("devices/vservers/web/devices.deny")), "the v1 layer stays");
    }

    @Test void hybridProcessesJoinTheUnifiedCgroupToo() throws IOException {
        Fixtures.v1All(root);
        var m = hybrid("vservers");
        m.create("web");
        assertEquals(9, m.procsFiles("web").size());
        assertEquals(root.resolve("unified/vservers/web/cgroup.procs"), m.procsFiles("web").getLast());
        m.addProcess("web", 4242);
        assertEquals("4242", read(root.resolve("unified/vservers/web/cgroup.procs")));
        assertEquals(List.of(4242), m.processes("web"));
    }

    @Test void hybridAProcessOnlyInTheUnifiedCgroupKeepsTheGuestBusy() throws IOException {
        Fixtures.v1All(root);
        var m = hybrid("vservers");
        m.create("web");
        FixtureDirs.put(root.resolve("unified/vservers/web/cgroup.procs"), "31\n");
        assertEquals(List.of(31), m.processes("web"));
        assertThrows(IOException.class, () -> m.create("web"));
    }

    @Test void hybridExistsRemoveAndRemoveParentCoverTheUnifiedCgroup() throws IOException {
        Fixtures.v1All(root);
        var m = hybrid("machine/vservers");
        m.create("web");
        m.remove("web");
        for (String c : Fixtures.ALL_V1) assertFalse(Files.exists(root.resolve(c).resolve("machine/vservers/web")));
        assertFalse(m.exists("web"));
        m.create("web");
        m.remove("web");
        dirs.mkdir(root.resolve("unified/machine/vservers/web"));         // a leftover only there
        assertTrue(m.exists("web"), "a unified directory alone still counts");
        m.create("web");                                                    // made fresh, then attached once more
        assertEquals(3, devices.attached.size(), "one attach per create");
        assertTrue(dirs.removed.contains(root.resolve("unified/machine/vservers/web")));
        m.remove("web");
        assertFalse(Files.exists(root.resolve("unified/machine/vservers/web")));
        m.removeParent();
        assertFalse(Files.exists(root.resolve("unified/machine")));
        assertTrue(Files.exists(root.resolve("unified/cgroup.procs")), "the unified root stays");
    }

    @Test void theUnifiedHierarchyIsFoundThroughMountinfo() throws IOException {
        Fixtures.v1All(root);
        Path mountinfo = FixtureDirs.put(root.resolve("mountinfo"),
                "41 31 0:38 / " + root.resolve("unified") + " rw,relatime - cgroup2 cgroup2 rw\n");
        assertEquals(java.util.Optional.of(root.resolve("unified")), Cgroup1Manager.unifiedOf(root, mountinfo));
        Files.writeString(mountinfo, "41 31 0:38 / " + root.resolve("unified") + " rw,relatime - cgroup cgroup rw,pids\n");
        assertEquals(java.util.Optional.empty(), Cgroup1Manager.unifiedOf(root, mountinfo), "a v1 mount is not it");
        assertEquals(java.util.Optional.empty(), manager("vservers").unified(), "fixture managers have none unless given");
    }
}
