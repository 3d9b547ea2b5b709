package org.vserver.config;

import java.nio.file.Path;

/** Bad configuration: names the file and, where it applies, the line. Printed without a stack trace. */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;

    public ConfigException(Path file, int line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }

    public ConfigException(Path file, String message) { this(file, 0, message); }

    public Path file() { return file; }

    public int line() { return line; }
}
