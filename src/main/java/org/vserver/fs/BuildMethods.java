package org.vserver.fs;

import java.util.List;

/** The {@code -m} names and their argument parsers: {@code vserver NAME build -m METHOD ... -- METHOD-ARGS}. */
public final class BuildMethods {

    /** Every method, in the order help lists them. */
    public static final List<String> NAMES = List.of(HostMethod.NAME, SkeletonMethod.NAME, TemplateMethod.NAME,
            CloneMethod.NAME, DebootstrapMethod.NAME);

    /** The method when none is given: builds from the host, downloads nothing. */
    public static final String DEFAULT = HostMethod.NAME;

    private BuildMethods() {}

    /**
     * The method {@code method}, with {@code methodArgs} (the words after {@code --}) parsed and
     * checked. Nothing is touched yet: files and tools are checked when it builds, looked up in
     * {@code path} (the composition root's $PATH, {@link SearchPath#fromEnvironment}).
     *
     * @throws BuildException an unknown method (the message lists the known ones), or a usage error
     *                        (the message ends with the method's usage line)
     */
    public static BuildMethod parse(String method, List<String> methodArgs, SearchPath path) throws BuildException {
        List<String> args = methodArgs == null ? List.of() : methodArgs;
        return switch (method == null ? DEFAULT : method) {
            case HostMethod.NAME -> HostMethod.parse(args);
            case SkeletonMethod.NAME -> SkeletonMethod.parse(args, path);
            case TemplateMethod.NAME -> TemplateMethod.parse(args, path);
            case CloneMethod.NAME -> CloneMethod.parse(args, path);
            case DebootstrapMethod.NAME -> DebootstrapMethod.parse(args, path);
            default -> throw new BuildException(null, "unknown build method '" + method + "': the known methods are "
                    + String.join(", ", NAMES));
        };
    }

    /** One line per method, for {@code vserver build --help}. */
    public static List<String> usage() {
        return List.of(
                "-m host                (default) share the host's /usr read-only, copy a minimal /etc",
                "-m skeleton -- " + SkeletonMethod.USAGE,
                "-m template -- " + TemplateMethod.USAGE,
                "-m clone -- " + CloneMethod.USAGE,
                "-m debootstrap -- " + DebootstrapMethod.USAGE);
    }
}
