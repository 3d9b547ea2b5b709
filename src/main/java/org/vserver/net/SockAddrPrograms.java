package org.vserver.net;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vserver.bpf.Insn;
import org.vserver.sys.Syscalls;

/**
 * {@link BindPolicy} as cgroup-bpf programs (BPF_PROG_TYPE_CGROUP_SOCK_ADDR for bind, connect and
 * UDP sendmsg of v4 and v6; BPF_PROG_TYPE_CGROUP_SOCK at socket creation), attached to a cgroup v2
 * directory with BPF_F_ALLOW_MULTI: they apply to every socket a process of that cgroup (or of a
 * descendant) creates, run inside the syscall, and nothing sits in the data path. The guest cannot
 * detach them: it holds neither CAP_BPF, CAP_SYS_ADMIN nor CAP_NET_ADMIN.
 */
public final class SockAddrPrograms {
    /** The prefix of every program name (bpf_prog_info.name), e.g. {@code vserver_bind4}. */
    public static final String NAME_PREFIX = "vserver_";

    private SockAddrPrograms() {}

    /** attach type ({@code org.vserver.bpf.Bpf.CGROUP_*}) → its program. */
    public static Map<Integer, List<Insn>> of(BindPolicy policy) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Loads every program of {@code policy} and attaches it to {@code cgroupDir}; a failure detaches what was attached. */
    public static void attach(Syscalls sys, Path cgroupDir, BindPolicy policy) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
