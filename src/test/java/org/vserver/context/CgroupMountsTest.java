package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.plan.PlanText;
import org.vserver.plan.Plan;

/** Which of the host's cgroup hierarchies a guest mounts, read from mountinfo lines. */
class CgroupMountsTest {
    static final String V1_HYBRID = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            50 31 0:38 / /srv/elsewhere rw,relatime - cgroup cgroup rw,pids
            """;

    @Test
    void aV1HostGivesItsControllerHierarchiesNotTheNamedOrTheUnifiedOne() {
        assertEquals(List.of(new CgroupMounts.Hierarchy("cpu,cpuacct", "cgroup", "cpu,cpuacct"),
                        new CgroupMounts.Hierarchy("cpuset", "cgroup", "cpuset"),
                        new CgroupMounts.Hierarchy("memory", "cgroup", "memory")),
                CgroupMounts.fromMountinfo(V1_HYBRID.lines().toList()));
    }

    @Test
    void aV2HostGivesOneCgroup2Mount() {
        var h = CgroupMounts.fromMountinfo(List.of("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"));
        assertEquals(List.of(new CgroupMounts.Hierarchy("", "cgroup2", null)), h);
        assertEquals("""
                plan v1: 1 steps
                  0 MOUNT_IN "cgroup2" "/sys/fs/cgroup" "cgroup2" RDONLY|NOSUID|NODEV|NOEXEC -
                """, PlanText.render(Plan.builder().addAll(CgroupMounts.steps(h)).build()));
    }

    @Test
    void noCgroupsNoMounts() {
        assertEquals(List.of(), CgroupMounts.fromMountinfo(List.of("22 1 0:21 / /proc rw - proc proc rw")));
        assertEquals(List.of(), CgroupMounts.steps(List.of()));
    }

    @Test
    void v1MountsAreReadOnlyInATmpfsThatEndsReadOnly() {
        String text = PlanText.render(Plan.builder().addAll(CgroupMounts.steps(
                CgroupMounts.fromMountinfo(V1_HYBRID.lines().toList()))).build());
        assertEquals("""
                plan v1: 8 steps
                  0 MOUNT_IN "tmpfs" "/sys/fs/cgroup" "tmpfs" NOSUID|NODEV|NOEXEC "mode=755,size=64k"
                  1 MKDIR_IN "/sys/fs/cgroup/cpu,cpuacct" 0555
                  2 MOUNT_IN "cgroup" "/sys/fs/cgroup/cpu,cpuacct" "cgroup" RDONLY|NOSUID|NODEV|NOEXEC "cpu,cpuacct"
                  3 MKDIR_IN "/sys/fs/cgroup/cpuset" 0555
                  4 MOUNT_IN "cgroup" "/sys/fs/cgroup/cpuset" "cgroup" RDONLY|NOSUID|NODEV|NOEXEC "cpuset"
                  5 MKDIR_IN "/sys/fs/cgroup/memory" 0555
                  6 MOUNT_IN "cgroup" "/sys/fs/cgroup/memory" "cgroup" RDONLY|NOSUID|NODEV|NOEXEC "memory"
                  7 MOUNT_IN - "/sys/fs/cgroup" - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT -
                """, text);
    }
}
