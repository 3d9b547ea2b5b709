package org.vserver.context;

import static org.vserver.kernel.MountFlag.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.vserver.plan.Step;
import org.vserver.plan.Step.MkdirIn;
import org.vserver.plan.Step.MountIn;

/**
 * The guest's /sys/fs/cgroup: the host's cgroup hierarchies the guest has a cgroup of its own in,
 * mounted read-only from inside its cgroup namespace, so each shows the guest's cgroup as its root
 * and nothing of the host's or other guests' (security.md §2.2, §4: release_agent lives only at a
 * hierarchy's real root, which is out of sight).
 *
 * <p>A v1 host: a tmpfs with one directory per controller hierarchy, named as on the host; a v2
 * host: one cgroup2 mount. Named v1 hierarchies ({@code name=systemd}) and the cgroup2 mount of a
 * hybrid host ({@code unified}) are left out: the guest has no cgroup of its own there (vserver
 * manages the controller hierarchies only), so its namespace root would be the host's.
 */
public final class CgroupMounts {
    private CgroupMounts() {}

    /** The controllers vserver gives a guest a cgroup in (as org.vserver.cgroup's hierarchies). */
    static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    static final String CGROUP_ROOT = "/sys/fs/cgroup";

    /**
     * One hierarchy as the guest mounts it.
     *
     * @param name   the directory under /sys/fs/cgroup ("" for a v2 host's single mount)
     * @param fsType "cgroup" or "cgroup2"
     * @param data   the mount data: the controller list of a v1 hierarchy ("cpu,cpuacct"); null for cgroup2
     */
    public record Hierarchy(String name, String fsType, String data) {}

    /** The hierarchies of a host from its mountinfo lines (proc(5)): those mounted right under /sys/fs/cgroup. */
    public static List<Hierarchy> fromMountinfo(List<String> lines) {
        List<Hierarchy> out = new ArrayList<>();
        for (String line : lines) {
            int dash = line.indexOf(" - ");
            String[] f = line.split(" ");
            if (dash < 0 || f.length < 5) continue;
            String[] after = line.substring(dash + 3).split(" ");
            if (after.length < 3) continue;
            String point = f[4], type = after[0];
            if (type.equals("cgroup2") && point.equals(CGROUP_ROOT)) return List.of(new Hierarchy("", "cgroup2", null));
            if (!type.equals("cgroup") || !point.startsWith(CGROUP_ROOT + "/")) continue;
            String name = point.substring(CGROUP_ROOT.length() + 1);
            if (name.contains("/") || name.contains("\\")) continue;                // nested or escaped: not a plain hierarchy
            List<String> controllers = new ArrayList<>(Arrays.asList(after[2].split(",")));
            controllers.retainAll(CONTROLLERS);                                      // drops rw, name=..., clone_children
            if (!controllers.isEmpty()) out.add(new Hierarchy(name, "cgroup", String.join(",", controllers)));
        }
        return List.copyOf(out);
    }

    /**
     * A systemd guest's /sys/fs/cgroup: its cgroup2 cgroup as the root of a writable cgroup2 mount
     * (its root owns the directory and the files a delegatee writes), where systemd makes its
     * slices and scopes. The host's device and socket programs on that root apply to all of them.
     */
    static Step delegated() {
        return new MountIn("cgroup2", CGROUP_ROOT, "cgroup2", EnumSet.of(NOSUID, NODEV, NOEXEC), null);
    }

    /** The mounts under the guest's /sys/fs/cgroup (paths in its root), in the order the launcher makes them; none for none. */
    static List<Step> steps(List<Hierarchy> hierarchies) {
        String dir = CGROUP_ROOT;
        var ro = EnumSet.of(RDONLY, NOSUID, NODEV, NOEXEC);
        if (hierarchies.isEmpty()) return List.of();
        if (hierarchies.size() == 1 && hierarchies.getFirst().fsType().equals("cgroup2"))
            return List.of(new MountIn("cgroup2", dir, "cgroup2", ro, null));
        List<Step> s = new ArrayList<>();
        s.add(new MountIn("tmpfs", dir, "tmpfs", EnumSet.of(NOSUID, NODEV, NOEXEC), "mode=755,size=64k"));
        for (Hierarchy h : hierarchies) {
            s.add(new MkdirIn(dir + "/" + h.name(), 0555));
            s.add(new MountIn("cgroup", dir + "/" + h.name(), h.fsType(), ro, h.data()));
        }
        s.add(new MountIn(null, dir, null, EnumSet.of(REMOUNT, RDONLY, NOSUID, NODEV, NOEXEC), null));   // no new entries either
        return s;
    }
}
