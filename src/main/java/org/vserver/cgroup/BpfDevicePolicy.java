package org.vserver.cgroup;

import java.util.Optional;
import org.vserver.bpf.EbpfProgram;
import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * {@link DevicePolicy} through bpf(2): BPF_PROG_LOAD of the compiled rules, then BPF_PROG_ATTACH to
 * the cgroup directory's fd with BPF_F_ALLOW_MULTI. ALLOW_MULTI because it composes: an ancestor's
 * program (a host manager's device policy on a parent) still runs and ours can only narrow it, and
 * a program attached below the guest's cgroup could narrow it further but never override it. Both
 * fds are closed at the end: the attachment holds its own reference to the program.
 */
final class BpfDevicePolicy implements DevicePolicy {
    private static final String LICENSE = "GPL";     // the device hook calls no GPL-only helper; harmless and customary

    private final Syscalls sys;
    private final List<DeviceRules.Rule> allow;

    BpfDevicePolicy(Syscalls sys, List<DeviceRules.Rule> allow) {
        this.sys = sys;
        this.allow = List.copyOf(allow);
    }

    @Override
    public void attach(Path cgroup) throws IOException {
        byte[] program = Insn.encode(DeviceProgram.of(allow));      // compiled here: most commands never attach
        int prog;
        try {
            prog = sys.bpfProgLoad(Bpf.PROG_TYPE_CGROUP_DEVICE, program, LICENSE, DeviceProgram.NAME, Bpf.CGROUP_DEVICE);
        } catch (ErrnoException e) {
            throw failure(cgroup, e, "a kernel without CONFIG_CGROUP_BPF, or not root?");
        }
        try {
            int dir = openDir(cgroup);
            try {
                sys.bpfProgAttach(dir, prog, Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI);
            } catch (ErrnoException e) {
                throw failure(cgroup, e, "an ancestor cgroup with a device program attached without BPF_F_ALLOW_MULTI?");
            } finally {
                sys.close(dir);
            }
        } finally {
            sys.close(prog);
        }
    }

    @Override
    public Optional<Step> step(Path cgroup) {
        return Optional.of(new Step.BpfAttach(cgroup.toString(), Bpf.PROG_TYPE_CGROUP_DEVICE,
                Bpf.CGROUP_DEVICE, Bpf.F_ALLOW_MULTI, DeviceProgram.NAME, new EbpfProgram(DeviceProgram.of(allow))));
    }

    @Override
    public List<Integer> attached(Path cgroup) throws IOException {
        int dir = openDir(cgroup);
        try {
            return Arrays.stream(sys.bpfProgQuery(dir, Bpf.CGROUP_DEVICE)).boxed().toList();
        } finally {
            sys.close(dir);
        }
    }

    private int openDir(Path cgroup) throws ErrnoException {
        return sys.open(cgroup.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
    }

    private static IOException failure(Path cgroup, ErrnoException e, String hint) {
        return new IOException(e.getMessage() + ": the device policy of `" + cgroup + "` could not be put in place (" + hint + ")");
    }
}
