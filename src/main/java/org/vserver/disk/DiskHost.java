package org.vserver.disk;

import java.nio.file.Path;
import java.util.Map;

import org.vserver.fs.SearchPath;
import org.vserver.sys.ProcFs;

/**
 * The host as the disk backends see it: where their programs are (e2fsprogs, btrfs-progs,
 * losetup), and the sysfs and procfs they read. A value, so a test can point it at fixtures.
 *
 * @param path  where mkfs.ext4, resize2fs, e2fsck, losetup and btrfs are looked up
 * @param sysfs {@code /sys} on a real host (loop devices are read from {@code block/loop*})
 * @param proc  {@code /proc} (this process's capabilities)
 */
public record DiskHost(SearchPath path, Path sysfs, ProcFs proc) {

    /** The real host, programs looked up in {@code env}'s PATH plus the sbin directories. */
    public static DiskHost of(Map<String, String> env) {
        return new DiskHost(SearchPath.fromEnvironment(env), Path.of("/sys"), ProcFs.host());
    }

    Tool tool() { return new Tool(path); }
}
