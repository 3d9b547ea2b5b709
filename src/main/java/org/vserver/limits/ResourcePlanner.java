package org.vserver.limits;

/**
 * Turns a {@link ResourceConfig} into what this kernel enforces ({@link ResourcePlan}): pure
 * arithmetic, no I/O. The CPU part is {@link CpuShare}.
 */
public final class ResourcePlanner {
    private ResourcePlanner() {}

    /**
     * @param cfg  the guest's (live) resource configuration
     * @param host the CPUs guests may use on this host ({@code CgroupManager#cpus})
     * @throws LimitException if the configuration cannot be enforced here (cpus the host lacks)
     */
    public static ResourcePlan plan(ResourceConfig cfg, CpuList host) throws LimitException {
        throw new UnsupportedOperationException("not yet");
    }
}
