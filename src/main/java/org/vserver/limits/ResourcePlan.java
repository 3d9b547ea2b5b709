package org.vserver.limits;

import java.util.List;
import java.util.Optional;
import org.vserver.cgroup.CgroupLimits;
import org.vserver.kernel.Rlimit;

/**
 * What a {@link ResourceConfig} becomes on this kernel: the cgroup settings, the rlimits every
 * process of the guest gets, its I/O priority, and notes for the admin where the kernel cannot do
 * exactly what was configured (printed at start and by vsched/vlimit; never a silent change).
 */
public record ResourcePlan(CgroupLimits cgroup, List<ProcessLimit> process, Optional<IoNice> ionice, List<String> notes) {

    public ResourcePlan {
        process = List.copyOf(process);
        notes = List.copyOf(notes);
    }

    /** setrlimit(resource, soft, hard) in the kernel's unit; -1 = RLIM_INFINITY (as Step.SetRlimit). */
    public record ProcessLimit(Rlimit resource, long soft, long hard) {}
}
