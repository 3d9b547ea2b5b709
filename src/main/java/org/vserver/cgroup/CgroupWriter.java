package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One write(2) of a value into a control file. Where the kernel checks a setting against the
 * others (a CPU burst against the quota, memsw against the memory limit) the order of writes is
 * the behaviour, so it is a seam: tests pass a writer that records every write in order.
 */
@FunctionalInterface
interface CgroupWriter {
    void write(Path file, String value) throws IOException;

    /**
     * {@link CgroupFiles#write}: O_TRUNC, one write per value. A constant because it holds nothing:
     * plain java.nio file calls, no syscalls object of the composition root.
     */
    CgroupWriter FILES = CgroupFiles::write;
}
