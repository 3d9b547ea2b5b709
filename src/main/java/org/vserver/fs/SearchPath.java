package org.vserver.fs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where the build looks up external commands (tar, cp, debootstrap, ...), and the PATH their
 * children get. A value, not {@code System.getenv}, so a test can hide a command.
 */
public record SearchPath(List<Path> directories) {

    /**
     * The sbin directories: a build runs as root, but the JVM's PATH is often a user's, and
     * debootstrap lives in /usr/sbin.
     */
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    public SearchPath {
        directories = List.copyOf(directories);
    }

    /**
     * {@code $PATH} of {@code env} (the composition root's environment; the usual directories when
     * unset), with the sbin directories appended if missing.
     */
    public static SearchPath fromEnvironment(Map<String, String> env) {
        String path = env.get("PATH");
        List<String> dirs = new ArrayList<>(List.of(
                (path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")));
        for (String d : SBIN) {
            if (!dirs.contains(d)) {
                dirs.add(d);
            }
        }
        return of(String.join(":", dirs));
    }

    /** A colon-separated list, as in PATH; empty entries are dropped (they would mean the cwd). */
    public static SearchPath of(String path) {
        List<Path> dirs = new ArrayList<>();
        for (String d : path.split(":")) {
            if (!d.isEmpty()) {
                dirs.add(Path.of(d));
            }
        }
        return new SearchPath(dirs);
    }

    /** The first executable {@code command} in the directories, as execvp(3) would pick it. */
    public Optional<Path> find(String command) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path dir : directories) {
            Path p = dir.resolve(command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The value of PATH for child processes. */
    public String asPathVariable() {
        return directories.stream().map(Path::toString).collect(Collectors.joining(":"));
    }
}
