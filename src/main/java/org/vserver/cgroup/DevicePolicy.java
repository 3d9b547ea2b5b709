package org.vserver.cgroup;

import java.util.Optional;
import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.vserver.sys.Syscalls;

/**
 * Puts a guest's device policy ({@link DeviceRules}) on its cgroup v2 directory, where it takes the
 * form of an eBPF program ({@link DeviceProgram}). Behind an interface because a fixture tree on a
 * {@code @TempDir} cannot run BPF: manager tests record the attach instead.
 */
public interface DevicePolicy {

    /**
     * Attaches the policy to {@code cgroup}. It stays attached after this process exits (the cgroup
     * holds the program) and goes away with the cgroup's removal.
     *
     * @throws IOException naming the cgroup and the kernel's (or the verifier's) reason
     */
    void attach(Path cgroup) throws IOException;

    /**
     * The plan step that puts the policy on {@code cgroup} when the launcher runs it (a cached
     * start, doc/plan-cache.md); empty where there is nothing to load (fixture trees).
     */
    default Optional<Step> step(Path cgroup) { return Optional.empty(); }

    /** The ids of the device programs attached to {@code cgroup} itself (not the inherited ones). */
    List<Integer> attached(Path cgroup) throws IOException;

    /** The kernel's bpf(2) through {@code sys}, the composition root's syscalls. */
    static DevicePolicy bpf(Syscalls sys) {
        return new BpfDevicePolicy(sys, DeviceRules.ALLOW);
    }
}
