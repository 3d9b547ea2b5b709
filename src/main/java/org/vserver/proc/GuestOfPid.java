package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vserver.sys.Errno;

/**
 * Which guest a process belongs to, from its cgroup: {@code /proc/<pid>/cgroup} has one
 * {@code id:controllers:path} line per hierarchy (v1) or the single {@code 0::path} line (v2).
 * A path with the segments {@code /<parent>/<guest>} (anywhere, deeper cgroups included) names the guest.
 */
public final class GuestOfPid {
    private final Path procRoot;
    private final List<String> parent;

    /**
     * @param procRoot /proc on a real host, a fixture directory in tests
     * @param parent   the parent cgroup of all guests, e.g. "vservers" (may have several segments)
     */
    public GuestOfPid(Path procRoot, String parent) {
        this.procRoot = procRoot;
        this.parent = segments(parent);
        if (this.parent.isEmpty()) throw new IllegalArgumentException("empty parent cgroup name");
    }

    /** The guest of {@code pid}; empty for a host process or a process that is gone. */
    public Optional<String> guestOf(int pid) throws IOException {
        Path file = procRoot.resolve(Integer.toString(pid)).resolve("cgroup");
        try {
            return guestIn(Files.readString(file), parent);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Errno.of(e) == Errno.ESRCH) return Optional.empty();
            throw new IOException("read(`" + file + "`) failed: " + e.getMessage(), e);
        }
    }

    /** The guest named by the content of a /proc/&lt;pid&gt;/cgroup file, if any line matches. */
    static Optional<String> guestIn(String cgroupFile, List<String> parent) {
        for (String line : cgroupFile.split("\n")) {
            // id:controllers:path; v1 controllers never contain ':', the path may
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) continue;
            List<String> path = segments(line.substring(second + 1));
            for (int i = 0; i + parent.size() < path.size(); i++) {
                if (path.subList(i, i + parent.size()).equals(parent)) return Optional.of(path.get(i + parent.size()));
            }
        }
        return Optional.empty();
    }

    private static List<String> segments(String path) {
        return Arrays.stream(path.strip().split("/")).filter(s -> !s.isEmpty()).toList();
    }
}
