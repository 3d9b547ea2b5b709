package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rule every controller follows for its files: a setting at the kernel's default is skipped
 * when the file is missing (a host without the controller runs guests without limits); any other
 * setting needs the file, and its absence is an error naming the file, the cgroup and the limit
 * that cannot be enforced.
 */
final class ControlFile {
    private ControlFile() {}

    /**
     * Writes {@code value} into {@code dir/name}, or skips a default setting whose file is missing.
     *
     * @param controller the controller that provides the file, for the message ("cpu")
     * @param what       what the setting enforces, for the message ("a CPU limit")
     * @return true if written
     */
    static boolean write(CgroupWriter w, Path dir, String name, String value, boolean isDefault, String controller,
                         String what) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            if (isDefault) return false;
            throw missing(dir, name, controller, what);
        }
        w.write(file, value);
        return true;
    }

    /** {@code cpu.max: the cpu controller is not available for <dir>: cannot enforce a CPU limit}. */
    static IOException missing(Path dir, String name, String controller, String what) {
        return new IOException(name + ": the " + controller + " controller is not available for " + dir
                + ": cannot enforce " + what + " (enable the controller for this cgroup or remove the limit)");
    }

    /** The existing files among {@code names} in {@code dir} with their content, in the given order. */
    static Map<String, String> existing(Path dir, List<String> names) throws IOException {
        var out = new LinkedHashMap<String, String>();
        for (String name : names) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) out.put(name, CgroupFiles.read(f));
        }
        return out;
    }

    /** A "key value" file's entry, -1 if the file or the key is missing. */
    static long keyed(Path file, String key) throws IOException {
        if (!Files.exists(file)) return -1;
        return CgroupFiles.keyed(file).getOrDefault(key, -1L);
    }

    /** A one-number file, -1 if it is missing. */
    static long number(Path file) throws IOException {
        return Files.exists(file) ? CgroupFiles.number(file) : -1;
    }

    /** The first of {@code names} that exists in {@code dir}. */
    static Optional<Path> first(Path dir, String... names) {
        for (String n : names) {
            Path f = dir.resolve(n);
            if (Files.exists(f)) return Optional.of(f);
        }
        return Optional.empty();
    }
}
