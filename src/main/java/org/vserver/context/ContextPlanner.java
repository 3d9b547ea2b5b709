package org.vserver.context;

import static org.vserver.kernel.MountFlag.*;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step.*;
import org.vserver.plan.Sync;

/**
 * {@code vcontext --create}: a throw-away context on the host's filesystem. The command becomes
 * PID 1 of a new pid namespace, with its own IPC, UTS and mount namespaces (the mount namespace
 * only so that a fresh /proc can show the context's processes), its own cgroup, rooted as its
 * cgroup namespace, and VServer's secure bounding set. The working directory stays the caller's, as
 * in VServer (whose --chroot made it the root). The caller waits for it.
 */
public final class ContextPlanner {
    private ContextPlanner() {}

    /** New at the clone; the cgroup namespace comes after the move into the context's cgroup. */
    static final Set<Namespace> CLONED = Set.copyOf(EnumSet.of(Namespace.PID, Namespace.MNT, Namespace.UTS, Namespace.IPC));

    /**
     * @param cgroupProcsFiles the context's cgroup.procs files, one per hierarchy
     * @param uid              the user to run as; 0 keeps root (with the reduced bounding set)
     * @param argv             the command
     * @param env              its environment (the caller's: the filesystem is the host's too)
     */
    public record Request(List<Path> cgroupProcsFiles, int uid, List<String> argv, List<String> env) {
        public Request {
            cgroupProcsFiles = List.copyOf(cgroupProcsFiles);
            argv = List.copyOf(argv);
            env = List.copyOf(env);
        }
    }

    public static Plan plan(Request req) {
        var p = Plan.builder();
        p.add(new CloseFrom(StartPlanner.FIRST_FOREIGN_FD));
        List<Path> procs = req.cgroupProcsFiles();
        for (int i = 0; i < procs.size(); i++) p.add(new OpenFd(procs.get(i).toString(), EnterPlanner.CGROUP_FD + i));
        // The launcher's waiting parent stays outside: only the context's own processes are counted
        // in its cgroup (vserver-stat's PROC), and it can still forward signals and the exit code.
        p.add(new Clone(CLONED, ParentMode.WAIT));
        for (int i = 0; i < procs.size(); i++) p.add(new WriteFd(EnterPlanner.CGROUP_FD + i, "0"));
        p.add(new Unshare(Set.of(Namespace.CGROUP)));                  // rooted at the context's cgroup: it sees "/"
        p.add(new Await(Sync.GUEST_PID));                              // java records the run state before CMD runs
        p.add(new Mount(null, "/", null, EnumSet.of(REC, PRIVATE), null)); // the new /proc stays in this namespace
        p.add(new Mount("proc", "/proc", "proc", EnumSet.of(NOSUID, NODEV, NOEXEC), null));
        p.add(new SetCaps(Capabilities.SECURE_DEFAULT, Capabilities.SECURE_DEFAULT, Capabilities.SECURE_DEFAULT, Set.of(), Set.of()));
        if (req.uid() != 0) p.add(new SetIds(req.uid(), req.uid(), List.of()));
        p.add(new Exec(req.argv().getFirst(), req.argv(), req.env()));
        return p.build();
    }
}
