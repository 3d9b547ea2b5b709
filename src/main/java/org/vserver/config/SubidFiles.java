package org.vserver.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where root's subordinate ids are: {@code /etc/subuid} and {@code /etc/subgid}, unless
 * {@code $VSERVER_SUBUID} / {@code $VSERVER_SUBGID} say otherwise (tests point them at temporary
 * files, so that no test touches the host's).
 */
public record SubidFiles(Path subuid, Path subgid) {
    public static final SubidFiles DEFAULT = new SubidFiles(Path.of("/etc/subuid"), Path.of("/etc/subgid"));
    public static final String SUBUID_ENV = "VSERVER_SUBUID";
    public static final String SUBGID_ENV = "VSERVER_SUBGID";

    /** The environment is the caller's (the composition root reads it). */
    public static SubidFiles fromEnvironment(Map<String, String> env) {
        return new SubidFiles(path(env.get(SUBUID_ENV), DEFAULT.subuid), path(env.get(SUBGID_ENV), DEFAULT.subgid));
    }

    public Path file(IdKind kind) { return kind == IdKind.UID ? subuid : subgid; }

    private static Path path(String value, Path otherwise) {
        return value != null && !value.isBlank() ? Path.of(value) : otherwise;
    }
}
