package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.sys.ProcFs;

/** Reads /proc/self/mountinfo (proc(5)): is a directory the mount point of a filesystem type? */
final class Mountinfo {
    private Mountinfo() {}

    /** This process's mount table: {@code /proc/self/mountinfo}. */
    static Path self(ProcFs proc) {
        return proc.self().resolve("mountinfo");
    }

    /**
     * True if {@code dir} is a mount point of a {@code fstype} filesystem according to {@code mountinfo}.
     * Line format: {@code id parent maj:min root mountpoint options [optional...] - fstype source superopts}.
     */
    static boolean isMountPoint(Path mountinfo, Path dir, String fstype) throws IOException {
        if (!Files.exists(mountinfo)) return false;
        String target = normalize(dir);
        for (String line : Files.readAllLines(mountinfo)) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) continue;
            String type = line.substring(dash + 3).split(" ")[0];
            if (type.equals(fstype) && ProcFs.unescapeMountinfo(f[4]).equals(target)) return true;
        }
        return false;
    }

    private static String normalize(Path dir) {
        try {
            return dir.toRealPath().toString();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize().toString();
        }
    }
}
