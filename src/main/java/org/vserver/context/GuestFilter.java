package org.vserver.context;

import java.util.Optional;
import java.util.Set;
import org.vserver.bpf.ClassicProgram;
import org.vserver.config.GuestConfig;
import org.vserver.config.SeccompConfig;
import org.vserver.kernel.Capability;
import org.vserver.plan.Step;
import org.vserver.seccomp.Action;
import org.vserver.seccomp.DefaultProfile;
import org.vserver.seccomp.FilterCompiler;
import org.vserver.seccomp.Profile;

/**
 * The seccomp filter of a guest's processes: the default profile for its bounding set, with
 * {@code seccomp/allow} and {@code seccomp/deny} applied; none with {@code seccomp/disabled}.
 */
public final class GuestFilter {
    private GuestFilter() {}

    public static Profile profile(SeccompConfig cfg, Set<Capability> bounding) {
        Profile p = DefaultProfile.of(bounding);
        for (SeccompConfig.Change c : cfg.changes()) p = p.with(c.syscall(), c.allow() ? Action.ALLOW : Action.errno(c.errno()));
        return p;
    }

    /**
     * The SECCOMP step, to come right before SET_CAPS (the load needs CAP_SYS_ADMIN), or empty
     * when the guest has {@code seccomp/disabled}.
     */
    static Optional<Step> step(GuestConfig cfg, Set<Capability> bounding) {
        if (cfg.seccomp().disabled()) return Optional.empty();
        if (cfg.seccomp().changes().isEmpty() && bounding.equals(Capabilities.bounding(java.util.List.of()))) {
            Optional<ClassicProgram> built = DefaultFilterFile.load();   // the common case, compiled by the build
            if (built.isPresent()) return Optional.of(new Step.Seccomp(built.get()));
        }
        return Optional.of(new Step.Seccomp(FilterCompiler.compile(profile(cfg.seccomp(), bounding))));
    }
}
