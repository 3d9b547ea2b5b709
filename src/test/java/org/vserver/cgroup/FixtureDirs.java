package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * cgroupfs imitated on a {@code @TempDir}: mkdir gives the new cgroup every interface file of its
 * parent (empty, or the value in {@code initial}, like a kernel default); rmdir takes them away and
 * answers EBUSY while the cgroup lists a pid in cgroup.procs or has a child.
 */
final class FixtureDirs implements CgroupDirs {
    static final Map<String, String> KERNEL_DEFAULTS = Map.of(
            "freezer.state", "THAWED",
            "cgroup.events", "populated 0\nfrozen 0",
            "cgroup.freeze", "0",
            "memory.use_hierarchy", "0",
            "devices.list", "a *:* rwm");

    final List<Path> made = new ArrayList<>();
    final List<Path> removed = new ArrayList<>();
    private final boolean inheritValues;

    FixtureDirs() { this(false); }

    /** @param inheritValues a new cgroup's files hold its parent's values (a root seeded with a fresh cgroup's) */
    FixtureDirs(boolean inheritValues) { this.inheritValues = inheritValues; }

    @Override
    public void mkdir(Path dir) throws IOException {
        Files.createDirectory(dir);
        made.add(dir);
        for (Path f : files(dir.getParent())) {
            String name = f.getFileName().toString();
            Files.writeString(dir.resolve(name), inheritValues && !name.equals("cgroup.procs") && !name.equals("tasks")
                    ? Files.readString(f) : KERNEL_DEFAULTS.getOrDefault(name, ""));
        }
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        if (!Files.exists(dir)) throw new java.nio.file.NoSuchFileException(dir.toString());
        Path procs = dir.resolve("cgroup.procs");
        boolean tasks = Files.exists(procs) && !Files.readString(procs).isBlank();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            if (tasks || s.iterator().hasNext()) throw new FileSystemException(dir.toString(), null, "Device or resource busy");
        }
        for (Path f : files(dir)) Files.delete(f);
        Files.delete(dir);
        removed.add(dir);
    }

    private static List<Path> files(Path dir) throws IOException {
        var out = new ArrayList<Path>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isRegularFile)) {
            s.forEach(out::add);
        }
        return out;
    }

    /** Writes a fixture file, creating its directory. */
    static Path put(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }
}
