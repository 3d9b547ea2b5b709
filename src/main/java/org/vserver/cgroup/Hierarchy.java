package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A cgroup v1 hierarchy: a directory under the cgroup root and the controllers attached to it,
 * read from its name ({@code memory}, or {@code cpu,cpuacct} when co-mounted).
 *
 * @param mount       the hierarchy's root directory, symlinks resolved
 * @param controllers the controllers of {@link #CONTROLLERS} it carries
 */
record Hierarchy(Path mount, Set<String> controllers) {

    /** The controllers a guest gets a directory in, in the order they are listed and written. */
    static final List<String> CONTROLLERS =
            List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids");

    Hierarchy {
        controllers = Set.copyOf(controllers);
    }

    boolean has(String controller) {
        return controllers.contains(controller);
    }

    /**
     * The hierarchies under {@code root} that carry at least one of {@link #CONTROLLERS}: each
     * directory holding {@code cgroup.procs}. Symlinks ({@code cpu -> cpu,cpuacct}) count once;
     * named hierarchies ({@code systemd}) and a v2 mount beside them ({@code unified}) are skipped.
     */
    static List<Hierarchy> scan(Path root) throws IOException {
        var seen = new HashSet<Path>();
        var out = new ArrayList<Hierarchy>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (!Files.isDirectory(entry) || !Files.exists(entry.resolve("cgroup.procs"))) continue;
                Path mount = entry.toRealPath();
                if (!seen.add(mount)) continue;
                var controllers = new LinkedHashSet<>(Arrays.asList(mount.getFileName().toString().split(",")));
                controllers.retainAll(CONTROLLERS);
                if (!controllers.isEmpty()) out.add(new Hierarchy(mount, controllers));
            }
        } catch (IOException e) {
            throw CgroupFiles.failure("opendir", root, e);
        }
        // One plain comparator: Comparator.comparing/thenComparing spin lambdas on every command's start.
        out.sort((a, b) -> a.rank() != b.rank() ? Integer.compare(a.rank(), b.rank())
                : a.mount().toString().compareTo(b.mount().toString()));
        return List.copyOf(out);
    }

    private int rank() {
        return controllers.stream().mapToInt(CONTROLLERS::indexOf).min().orElse(Integer.MAX_VALUE);
    }
}
