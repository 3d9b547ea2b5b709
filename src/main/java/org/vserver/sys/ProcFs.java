package org.vserver.sys;

import java.nio.file.Path;

/**
 * The host's proc filesystem (proc(5)) as this process sees it: every host-side read of /proc
 * goes through the one instance the composition root makes ({@link #host}), so a test can point
 * a reader at a fixture tree and no class names the host's /proc itself. Paths that a plan
 * resolves inside a guest are not this: they belong to the guest's mount namespace.
 *
 * <p>In {@code sys} rather than {@code proc} because the lock of {@code state} and the
 * cgroup and network code need it too, and {@code sys} is the leaf all of them already reach the
 * kernel through.
 *
 * @param root {@code /proc} on a real host, a directory of fixture files in tests
 */
public record ProcFs(Path root) {

    /** The real /proc; made by the composition root (a command's {@code Vserver}) and tests. */
    public static ProcFs host() {
        return new ProcFs(Path.of("/proc"));
    }

    /** {@code /proc/PID}: one process's directory. */
    public Path pid(int pid) {
        return root.resolve(Integer.toString(pid));
    }

    /** {@code /proc/self}: the calling process's directory. */
    public Path self() {
        return root.resolve("self");
    }

    /** {@code /proc/PID/ns/net}: the network namespace of a process. */
    public Path netns(int pid) {
        return pid(pid).resolve("ns").resolve("net");
    }

    /** {@code /proc/self/fd/FD}: the magic link of one of this process's descriptors (reopening an O_PATH fd). */
    public Path selfFd(int fd) {
        return self().resolve("fd").resolve(Integer.toString(fd));
    }

    /**
     * {@code /proc/sys/KEY}, e.g. {@code net/ipv4/ip_forward}. Opened by a thread inside a network
     * namespace, the {@code net/} files show that namespace's values.
     */
    public Path sysctl(String key) {
        return root.resolve("sys").resolve(key);
    }

    /** A field of /proc/PID/mountinfo as text: the kernel escapes space, tab, newline and backslash as \040 \011 \012 \134. */
    public static String unescapeMountinfo(String s) {
        if (s.indexOf('\\') < 0) return s;
        var b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
