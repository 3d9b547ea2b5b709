package org.vserver.net;

import java.io.IOException;
import java.util.List;
import org.vserver.bpf.Insn;
import org.vserver.sys.Syscalls;

/**
 * {@link SpoofPolicy} as a tc classifier (BPF_PROG_TYPE_SCHED_CLS) attached at tcx ingress of the
 * host end of a guest's veth: every frame the guest sends passes it before the bridge sees it, and
 * a frame the policy does not allow is dropped (TCX_DROP). Attached with BPF_PROG_ATTACH (not a
 * link), so it stays until the device goes, which happens when the guest's namespace does.
 */
public final class SpoofFilter {
    /** bpf_prog_info.name of the program. */
    public static final String NAME = "vserver_spoof";

    private SpoofFilter() {}

    public static List<Insn> of(SpoofPolicy policy) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Loads the program for {@code policy} and attaches it at tcx ingress of link {@code ifindex} (in the caller's namespace). */
    public static void attach(Syscalls sys, int ifindex, SpoofPolicy policy) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
