package org.vserver.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes util-vserver style configuration trees into a test's @TempDir. */
final class Fixture {
    private Fixture() {}

    /** Writes {@code text} to dir/rel, creating directories. */
    static Path put(Path dir, String rel, String text) {
        try {
            Path p = dir.resolve(rel);
            Files.createDirectories(p.getParent());
            return Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A guest directory with a valid minimal configuration. */
    static Path guest(Path confdir, String name) {
        Path g = confdir.resolve(name);
        put(g, "context", "42\n");
        return g;
    }
}
