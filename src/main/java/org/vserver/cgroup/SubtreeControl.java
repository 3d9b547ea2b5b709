package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * cgroup v2 delegation: a controller works in a cgroup only if every ancestor lists it in
 * {@code cgroup.subtree_control}. Only the levels above the guest are written: a cgroup that
 * holds processes cannot enable controllers for children (no internal processes rule).
 */
final class SubtreeControl {
    /** The controllers a guest wants, when the hierarchy offers them. */
    static final List<String> WANTED = List.of("cpu", "cpuset", "memory", "pids", "io");

    private SubtreeControl() {}

    /** {@link #WANTED} ∩ {@code cgroup.controllers} of {@code root}; empty on a controller-less hierarchy. */
    static List<String> offered(Path root) throws IOException {
        Path file = root.resolve("cgroup.controllers");
        if (!Files.exists(file)) return List.of();
        Set<String> available = words(CgroupFiles.read(file));
        return WANTED.stream().filter(available::contains).toList();
    }

    /** Writes {@code +c} for each controller not yet enabled in {@code dir}, in one write. */
    static void enable(Path dir, List<String> controllers) throws IOException {
        if (controllers.isEmpty()) return;
        Path file = dir.resolve("cgroup.subtree_control");
        Set<String> enabled = words(CgroupFiles.read(file));
        String add = controllers.stream().filter(c -> !enabled.contains(c)).map(c -> "+" + c).collect(Collectors.joining(" "));
        if (!add.isEmpty()) CgroupFiles.write(file, add);
    }

    private static Set<String> words(String s) {
        return s.isBlank() ? Set.of() : Set.copyOf(Arrays.asList(s.strip().split("\\s+")));
    }
}
