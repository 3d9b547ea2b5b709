package org.vserver.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.*;

/**
 * Plans that join one namespace of a running guest's init and nothing else: {@code vnamespace
 * --enter} (the mount namespace, VServer's {@code vspace --mount --fs}) and {@code vuname} (the
 * UTS namespace). The join goes through a pidfd checked against the init's start time.
 */
public final class NamespacePlanner {
    private NamespacePlanner() {}

    /** The fields a reader of the guest's UTS namespace prints, one a line: see {@link #readUts}. */
    public static final List<String> UTS_FILES = List.of("/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname");

    /**
     * {@code vnamespace --enter}: the guest's mount table, with the host's pid, UTS, network and
     * cgroup view and the caller's credentials, as VServer's vnamespace. A mount namespace needs
     * no fork to apply; chdir("/") leaves the caller's directory, which is the host's.
     */
    public static Plan enterMounts(int initPid, long initStartTicks, List<String> argv, List<String> env) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        p.add(new SetNsPid(initPid, initStartTicks, Set.of(Namespace.MNT)));
        p.add(new Chdir("/"));
        p.add(new Exec(argv.getFirst(), argv, env));
        return p.build();
    }

    /**
     * {@code vuname -g}: cat(1) of the host prints the node and domain name of the UTS namespace it
     * runs in (those /proc/sys files answer for the reader's namespace, whichever /proc it is), so
     * joining the UTS namespace alone is enough; it keeps nothing it would not need to print.
     */
    public static Plan readUts(int initPid, long initStartTicks) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        p.add(new SetNsPid(initPid, initStartTicks, Set.of(Namespace.UTS)));
        p.add(new SetCaps(Set.of(), Set.of(), Set.of(), Set.of(), Set.of()));
        p.add(new NoNewPrivs());
        List<String> argv = new java.util.ArrayList<>(List.of("cat"));
        argv.addAll(UTS_FILES);
        p.add(new Exec("cat", argv, SpectatorPlanner.ENV));
        return p.build();
    }

    /** {@code vuname -s}: sethostname/setdomainname in the guest's UTS namespace (null = leave as is). */
    public static Plan setUts(int initPid, long initStartTicks, String nodename, String domainname) {
        List<Step> s = new ArrayList<>(List.of(new SetNsPid(initPid, initStartTicks, Set.of(Namespace.UTS))));
        if (nodename != null) s.add(new SetHostname(nodename));
        if (domainname != null) s.add(new SetDomainname(domainname));
        return HostPlan.of(s);
    }
}
