package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link CgroupWriter} for fixture trees that records every write ("name=value", in order) and
 * refuses, like the kernel, a write that breaks an invariant between files: a CFS burst above the
 * quota (v1 and v2) and a v1 memsw limit below the memory limit (EINVAL, the file left as it was).
 */
final class StrictWriter implements CgroupWriter {
    final List<String> writes = new ArrayList<>();

    @Override
    public void write(Path file, String value) throws IOException {
        String before = Files.readString(file);
        CgroupFiles.write(file, value);
        Path d = file.getParent();
        if (burstAboveQuota(d) || memswBelowLimit(d)) {
            Files.writeString(file, before);
            throw CgroupFiles.failure("write", file, new FileSystemException(file.toString(), null, "Invalid argument"));
        }
        writes.add(file.getFileName() + "=" + value);
    }

    /** The writes whose file name starts with {@code prefix}. */
    List<String> of(String prefix) {
        return writes.stream().filter(w -> w.startsWith(prefix)).toList();
    }

    private static boolean burstAboveQuota(Path d) throws IOException {
        long burst = number(d.resolve("cpu.cfs_burst_us"), number(d.resolve("cpu.max.burst"), 0));
        long quota = number(d.resolve("cpu.cfs_quota_us"), -1);
        Path max = d.resolve("cpu.max");
        if (Files.exists(max) && !Fixtures.read(max).isEmpty()) quota = unlimited(Fixtures.read(max).split(" ")[0]);
        return quota >= 0 && burst > quota;
    }

    private static boolean memswBelowLimit(Path d) throws IOException {
        Path limit = d.resolve("memory.limit_in_bytes"), memsw = d.resolve("memory.memsw.limit_in_bytes");
        if (!Files.exists(limit) || !Files.exists(memsw)) return false;
        return inf(number(memsw, -1)) < inf(number(limit, -1));
    }

    /** -1 as written and the kernel's read-back of it (9223372036854771712) are both "no limit". */
    private static long inf(long v) {
        return v < 0 || v > (1L << 62) ? Long.MAX_VALUE : v;
    }

    private static long unlimited(String s) {
        return s.equals("max") ? -1 : Long.parseLong(s);
    }

    private static long number(Path f, long absent) throws IOException {
        if (!Files.exists(f)) return absent;
        String s = Fixtures.read(f);
        return s.isEmpty() ? absent : unlimited(s);
    }
}
