package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** cgroup roots laid out like /sys/fs/cgroup, with the interface files written by hand. */
final class Fixtures {
    private Fixtures() {}

    /** Root files of each v1 controller (freezer.state is not on a real root; here it seeds the children). */
    static final Map<String, Map<String, String>> V1_FILES = Map.of(
            "cpu", Map.of("cpu.shares", "1024", "cpu.cfs_quota_us", "-1", "cpu.cfs_period_us", "100000"),
            "cpuacct", Map.of("cpuacct.stat", "user 0\nsystem 0", "cpuacct.usage", "0"),
            "cpuset", Map.of("cpuset.cpus", "0-3", "cpuset.mems", "0"),
            "memory", Map.of("memory.use_hierarchy", "0", "memory.usage_in_bytes", "0"),
            "devices", Map.of("devices.allow", "", "devices.deny", "", "devices.list", "a *:* rwm"),
            "freezer", Map.of("freezer.state", "THAWED"),
            "blkio", Map.of("blkio.weight", "500"),
            "pids", Map.of("pids.max", "max", "pids.current", "0"));

    /**
     * A v1 root like this host's: one hierarchy per directory (names like "cpu,cpuacct" allowed), plus
     * a named systemd hierarchy and a controller-less cgroup2 "unified" beside them.
     */
    static Path v1(Path root, String... hierarchies) throws IOException {
        for (String name : hierarchies) {
            Path h = root.resolve(name);
            FixtureDirs.put(h.resolve("cgroup.procs"), "");
            FixtureDirs.put(h.resolve("tasks"), "");
            FixtureDirs.put(h.resolve("notify_on_release"), "0");
            for (String c : Arrays.asList(name.split(",")))
                for (var e : V1_FILES.getOrDefault(c, Map.of()).entrySet()) FixtureDirs.put(h.resolve(e.getKey()), e.getValue());
        }
        FixtureDirs.put(root.resolve("systemd/cgroup.procs"), "1\n");
        FixtureDirs.put(root.resolve("unified/cgroup.procs"), "1\n");
        FixtureDirs.put(root.resolve("unified/cgroup.controllers"), "");
        return root;
    }

    static final List<String> ALL_V1 = List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    static Path v1All(Path root) throws IOException {
        return v1(root, ALL_V1.toArray(String[]::new));
    }

    /** A v2 root offering {@code controllers} (space separated, as cgroup.controllers has them). */
    static Path v2(Path root, String controllers) throws IOException {
        FixtureDirs.put(root.resolve("cgroup.controllers"), controllers);
        FixtureDirs.put(root.resolve("cgroup.subtree_control"), "");
        FixtureDirs.put(root.resolve("cgroup.procs"), "1\n");
        FixtureDirs.put(root.resolve("cgroup.threads"), "1\n");
        FixtureDirs.put(root.resolve("cgroup.events"), "populated 1\nfrozen 0");
        FixtureDirs.put(root.resolve("cgroup.freeze"), "0");
        FixtureDirs.put(root.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0");
        FixtureDirs.put(root.resolve("memory.current"), "0");
        return root;
    }

    static String read(Path file) throws IOException {
        return Files.readString(file).strip();
    }
}
