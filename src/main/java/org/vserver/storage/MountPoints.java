package org.vserver.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.sys.ProcFs;

/** The host's mount points, from a mountinfo file (proc(5)): is a directory one? */
public final class MountPoints {
    private MountPoints() {}

    /**
     * True if {@code dir} (absolute, normalized) is the mount point of anything in {@code mountinfo}.
     * Line format: {@code id parent maj:min root mountpoint options [optional...] - fstype source superopts};
     * mountinfo escapes space, tab, newline and backslash as \040 \011 \012 \134.
     */
    public static boolean isMountPoint(Path mountinfo, Path dir) throws IOException {
        String target = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(mountinfo)) {
            String[] f = line.split(" ", 6);
            if (f.length >= 5 && ProcFs.unescapeMountinfo(f[4]).equals(target)) return true;
        }
        return false;
    }

    /** Whether any mount point in {@code mountinfo} ends with {@code suffix} ("/.private/web/layer"). */
    public static boolean anyEndsWith(Path mountinfo, String suffix) throws IOException {
        for (String line : Files.readAllLines(mountinfo)) {
            String[] f = line.split(" ", 6);
            if (f.length >= 5 && ProcFs.unescapeMountinfo(f[4]).endsWith(suffix)) return true;
        }
        return false;
    }
}
