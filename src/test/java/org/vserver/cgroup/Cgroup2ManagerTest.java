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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cgroup2ManagerTest {
    @TempDir Path root;
    final FixtureDirs dirs = new FixtureDirs();
    final RecordingDevicePolicy devices = new RecordingDevicePolicy();
    static final Timeouts SHORT = new Timeouts(Duration.ofMillis(100), Duration.ofMillis(100));

    Cgroup2Manager manager() {
        return new Cgroup2Manager(root, "vservers", dirs, SHORT, devices);
    }

    @Test void createEnablesTheOfferedControllersAboveTheGuest() throws IOException {
        Fixtures.v2(root, "cpuset cpu io memory hugetlb pids rdma misc");
        manager().create("web");
        assertEquals("+cpu +cpuset +memory +pids +io", read(root.resolve("cgroup.subtree_control")));
        assertEquals("+cpu +cpuset +memory +pids +io", read(root.resolve("vservers/cgroup.subtree_control")));
        assertEquals("", read(root.resolve("vservers/web/cgroup.subtree_control")), "the guest holds processes");
    }

    @Test void onlyControllersNotYetEnabledAreWritten() throws IOException {
        Fixtures.v2(root, "cpu memory pids");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory\n");
        manager().create("web");
        assertEquals("+pids", read(root.resolve("cgroup.subtree_control")));
    }

    @Test void aControllerLessHierarchyWorksWithNone() throws IOException {
        Fixtures.v2(root, "");                                        // like this host's /sys/fs/cgroup/unified
        var m = manager();
        m.create("web");
        assertTrue(m.exists("web"));
        assertEquals("", read(root.resolve("cgroup.subtree_control")));
        assertEquals("", read(root.resolve("vservers/cgroup.subtree_control")));
    }

    @Test void addProcessAndProcessesIncludingDescendants() throws IOException {
        Fixtures.v2(root, "pids");
        var m = manager();
        m.create("web");
        m.addProcess("web", 100);
        m.addProcess("web", 101);
        FixtureDirs.put(root.resolve("vservers/web/inner/cgroup.procs"), "102\n");
        assertEquals(List.of(100, 101, 102), m.processes("web"));
        assertEquals(List.of(root.resolve("vservers/web/cgroup.procs")), m.procsFiles("web"));
        assertEquals(List.of(), m.processes("other"));
    }

    @Test void freezeWritesCgroupFreezeAndWaitsForTheEvent() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        Path g = root.resolve("vservers/web");
        Files.writeString(g.resolve("cgroup.events"), "populated 1\nfrozen 1\n");   // the state the kernel will reach
        m.freeze("web", true);
        assertEquals("1", read(g.resolve("cgroup.freeze")));
        Files.writeString(g.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        m.freeze("web", false);
        assertEquals("0", read(g.resolve("cgroup.freeze")));
    }

    @Test void freezeTimesOutNamingCgroupEvents() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        var e = assertThrows(IOException.class, () -> m.freeze("web", true));
        assertEquals("wait(`" + root.resolve("vservers/web/cgroup.events") + "`) failed: frozen 1 not reached after 100 ms"
                + " (last: populated 0 frozen 0)", e.getMessage());
    }

    @Test void freezeWithoutCgroupFreezeIsANoOp() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        Files.delete(root.resolve("vservers/web/cgroup.freeze"));              // a kernel before 5.2
        m.freeze("web", true);
    }

    @Test void usageFromCpuStatMemoryCurrentAndPidsCurrent() throws IOException {
        Fixtures.v2(root, "cpu memory pids");
        var m = manager();
        m.create("web");
        Path g = root.resolve("vservers/web");
        Files.writeString(g.resolve("cpu.stat"), "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 0\n");
        Files.writeString(g.resolve("memory.current"), "65536\n");
        FixtureDirs.put(g.resolve("pids.current"), "4\n");
        assertEquals(new CgroupManager.Usage(2_000_000, 1_000_000, 65536, 4), m.usage("web"));
    }

    @Test void usageWithoutPidsCountsThreadsAndWithoutMemoryIsUnknown() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        Path g = root.resolve("vservers/web");
        Files.delete(g.resolve("memory.current"));
        Files.writeString(g.resolve("cgroup.threads"), "7\n8\n");
        FixtureDirs.put(g.resolve("sub/cgroup.threads"), "9\n");
        assertEquals(new CgroupManager.Usage(0, 0, -1, 3), m.usage("web"));
    }

    @Test void removeAndRemoveParent() throws IOException {
        Fixtures.v2(root, "pids");
        var m = manager();
        m.create("web");
        dirs.mkdir(root.resolve("vservers/web/inner"));
        m.remove("web");
        assertFalse(m.exists("web"));
        m.remove("web");
        m.removeParent();
        assertFalse(Files.exists(root.resolve("vservers")));
        assertTrue(Files.exists(root.resolve("cgroup.procs")), "the root is never removed");
    }

    @Test void removeOfABusyCgroupNamesIt() throws IOException {
        Fixtures.v2(root, "");
        var m = manager();
        m.create("web");
        m.addProcess("web", 9);
        var e = assertThrows(IOException.class, () -> m.remove("web"));
        assertEquals("rmdir(`" + root.resolve("vservers/web") + "`) failed: Device or resource busy", e.getMessage());
    }

    @Test void versionNamesTheMechanism() {
        assertEquals("cgroup v2", manager().version());
    }

    @Test void createAttachesTheDevicePolicyToTheGuestOnly() throws IOException {
        Fixtures.v2(root, "pids");
        manager().create("web");
        assertEquals(List.of(root.resolve("vservers/web")), devices.attached, "the guest, after its mkdir; not the parent");
    }

    @Test void aLeftoverGuestCgroupIsMadeFreshSoItCarriesOneProgram() throws IOException {
        Fixtures.v2(root, "pids");
        var m = manager();
        m.create("web");
        dirs.mkdir(root.resolve("vservers/web/inner"));
        m.create("web");                                                    // empty: removed and made again
        assertTrue(dirs.removed.contains(root.resolve("vservers/web")), dirs.removed.toString());
        assertFalse(Files.exists(root.resolve("vservers/web/inner")));
        assertEquals(List.of(root.resolve("vservers/web"), root.resolve("vservers/web")), devices.attached);
        m.addProcess("web", 5);
        assertThrows(IOException.class, () -> m.create("web"), "still refused while it has processes");
        assertEquals(2, devices.attached.size());
    }

    @Test void aDevicePolicyThatCannotBeAttachedFailsTheCreate() throws IOException {
        Fixtures.v2(root, "");
        var m = new Cgroup2Manager(root, "vservers", dirs, SHORT, new DevicePolicy() {
            @Override public void attach(Path cgroup) throws IOException {
                throw new IOException("bpf(`BPF_PROG_LOAD vserver_dev`) failed: Invalid argument (EINVAL)");
            }

            @Override public List<Integer> attached(Path cgroup) { return List.of(); }
        });
        var e = assertThrows(IOException.class, () -> m.create("web"));
        assertTrue(e.getMessage().startsWith("bpf("), e.getMessage());
    }
}
