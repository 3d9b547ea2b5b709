package org.vserver.fs;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * What every build method is given.
 *
 * @param name       the guest's name (the hostname when none is given)
 * @param vdir       the guest root to fill; created with its parents if absent
 * @param hostname   written to etc/hostname and etc/hosts; null = {@code name}
 * @param methodArgs the words after {@code --}, as typed (for messages and logs: the method record
 *                   returned by {@link BuildMethods#parse} already holds them parsed)
 * @param hostRoot   where the host's files are read from: "/" normally, a fixture in tests
 * @param progress   one line per step and per line of an external command's output; null = quiet
 * @param sys        the composition root's syscalls, for reading the new rootfs ({@link GuestFiles})
 * @param proc       the composition root's /proc, likewise
 */
public record BuildRequest(String name, Path vdir, String hostname, List<String> methodArgs, Path hostRoot,
                           Consumer<String> progress, Syscalls sys, ProcFs proc) {

    public BuildRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vdir, "vdir");
        hostname = hostname == null ? name : hostname;
        methodArgs = methodArgs == null ? List.of() : List.copyOf(methodArgs);
        hostRoot = hostRoot == null ? Path.of("/") : hostRoot;
        progress = progress == null ? line -> { } : progress;
        Objects.requireNonNull(sys, "sys");
        Objects.requireNonNull(proc, "proc");
    }

    /** The host path of an absolute host file, e.g. "etc/resolv.conf" below {@link #hostRoot()}. */
    Path host(String relative) {
        return hostRoot.resolve(relative);
    }
}
