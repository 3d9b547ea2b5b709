package org.vserver.disk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.vserver.fs.SearchPath;

/**
 * Runs the storage programs (mkfs.ext4, e2fsck, resize2fs, losetup, btrfs): short, not interactive,
 * their output wanted whole. Unlike a build's Command, nothing streams: the output is captured and
 * a failure quotes it, because mkfs's or btrfs's one line of error is the reason the user needs.
 */
record Tool(SearchPath path) {
    /** Which Debian package brings each program, for the "not found" message. */
    private static final Map<String, String> PACKAGES = Map.of("mkfs.ext4", "e2fsprogs", "e2fsck", "e2fsprogs",
            "resize2fs", "e2fsprogs", "losetup", "mount", "btrfs", "btrfs-progs");

    /** A finished run: its exit code and its stdout and stderr, interleaved. */
    record Result(List<String> argv, int code, String output) {
        /** The failure of this run, with the program's own words. */
        IOException failure() {
            return new IOException("`" + line(argv) + "` failed with exit code " + code
                    + (output.isBlank() ? " (no output)" : ": " + output.strip()));
        }
    }

    /** Runs {@code argv} and returns its output; a nonzero exit is an IOException quoting it. */
    String run(String... argv) throws IOException {
        Result r = exec(List.of(argv));
        if (r.code() != 0) throw r.failure();
        return r.output();
    }

    /** Runs {@code argv} to the end, whatever its exit code; stdin is empty. */
    Result exec(List<String> argv) throws IOException {
        String name = argv.getFirst();
        Path program = path.find(name).orElseThrow(() -> new IOException(name + " not found: install the Debian package '"
                + PACKAGES.getOrDefault(name, name) + "' (searched PATH=" + path.asPathVariable() + ")"));
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, program.toString());
        ProcessBuilder pb = new ProcessBuilder(resolved).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        pb.environment().put("PATH", path.asPathVariable());
        pb.environment().put("LC_ALL", "C");   // the output is parsed: no translations
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            return new Result(argv, p.waitFor(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running `" + line(argv) + "`", e);
        }
    }

    static String line(List<String> argv) {
        return argv.stream().map(w -> w.isEmpty() || w.chars().anyMatch(c -> " \t\n'\"\\$`*?;&|<>()".indexOf(c) >= 0)
                ? "'" + w.replace("'", "'\\''") + "'" : w).collect(Collectors.joining(" "));
    }
}
