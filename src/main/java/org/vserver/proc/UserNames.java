package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * id → name from a passwd or group file ({@code name:password:id:...}; both have the id third).
 * Read from the host's own files by path, or from text a guest's file held (read by the caller
 * through the guest's resolver, never by path here).
 */
public final class UserNames {
    /** No names at all: every id shows as its number. */
    public static final UserNames NONE = new UserNames(Map.of());

    private final Map<Long, String> names;

    private UserNames(Map<Long, String> names) { this.names = names; }

    /** Reads {@code file}; a missing file gives numbers only. */
    public static UserNames read(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            return NONE;                                           // a minimal host: numbers only
        }
    }

    /** The entries of a passwd or group file's text; lines that are not entries are skipped. */
    public static UserNames parse(String text) {
        Map<Long, String> names = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", 4);
            if (f.length < 4 || f[0].isEmpty()) continue;
            try {
                long id = Long.parseLong(f[2]);
                if (id >= 0) names.putIfAbsent(id, f[0]);           // the first entry wins, as in getpwuid
            } catch (NumberFormatException e) {
                // a comment or a NIS "+" line: not ours to judge
            }
        }
        return new UserNames(names);
    }

    /** The name of {@code id}, if the file lists it. */
    public Optional<String> find(long id) { return Optional.ofNullable(names.get(id)); }

    /** The name of {@code id}, else its number. */
    public String of(long id) { return find(id).orElse(Long.toString(id)); }
}
