package org.vserver.context;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vserver.config.GuestConfig;
import org.vserver.config.ProcView;
import org.vserver.kernel.Capability;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.plan.Step.*;

/**
 * Plans for joining a running guest: {@code exec}, {@code suexec}, {@code enter} and the style's
 * stop command. The joining process opens the guest's cgroup.procs files, takes all its namespaces
 * at once through a pidfd of its init, forks so that the pid namespace applies, moves the child
 * into the guest's cgroups, and drops to the guest's bounding set before exec.
 */
public final class EnterPlanner {

    /** The namespaces a joining process takes: all of the guest's (StartPlanner.NAMESPACES). */
    static final Set<Namespace> JOINED = StartPlanner.NAMESPACES;

    /** The first fd the guest's cgroup.procs files are kept at between {@link OpenFd} and {@link WriteFd}. */
    static final int CGROUP_FD = 10;

    /**
     * The running guest's init, as recorded at start (pid + start time guard against pid reuse),
     * and the user namespace it runs in (empty: the host's), as the kernel reports it.
     */
    public record Target(int initPid, long initStartTicks, List<Path> cgroupProcsFiles, Optional<UserNamespace> userns,
                         Optional<Path> stateFile) {
        public Target(int initPid, long initStartTicks, List<Path> cgroupProcsFiles, Optional<UserNamespace> userns) {
            this(initPid, initStartTicks, cgroupProcsFiles, userns, Optional.empty());
        }

        /**
         * The init a run state file will name: the exec plan a start compiles before its init
         * exists (doc/plan-cache.md). The launcher reads the file at each exec.
         */
        public static Target inStateFile(Path stateFile, List<Path> cgroupProcsFiles, Optional<UserNamespace> userns) {
            return new Target(0, 0, cgroupProcsFiles, userns, Optional.of(stateFile));
        }

        Step verify() {
            return stateFile.isPresent() ? new Step.VerifyInit(stateFile.get().toString()) : new VerifyProc(initPid, initStartTicks);
        }

        Step join(Set<Namespace> namespaces) {
            return stateFile.isPresent() ? new Step.SetNsInit(stateFile.get().toString(), namespaces)
                    : new SetNsPid(initPid, initStartTicks, namespaces);
        }
    }

    /** The user a command runs as: resolved from the guest's own /etc/passwd and /etc/group. */
    public record User(int uid, int gid, List<Integer> groups, String name, String home) {
        public static final User ROOT = new User(0, 0, List.of(), "root", "/root");
    }

    /** What to run. {@code argv} null means "take it from the launcher's command line" (a replay plan). */
    /**
     * @param pty   a new pty of the guest's devpts, relayed to the caller's terminal
     * @param login a login session: it starts in the user's home, not at /
     */
    public record Command(List<String> argv, User user, boolean pty, Map<String, String> extraEnv, boolean login) {
        /** {@code enter}'s shape: a pty means a login session. */
        public Command(List<String> argv, User user, boolean pty, Map<String, String> extraEnv) {
            this(argv, user, pty, extraEnv, pty);
        }
    }

    /** {@link #JOINED}, and the guest's user namespace if it has one. */
    static Set<Namespace> joined(Optional<UserNamespace> userns) {
        if (userns.isEmpty()) return JOINED;
        EnumSet<Namespace> s = EnumSet.copyOf(JOINED);
        s.add(Namespace.USER);
        return Set.copyOf(s);
    }

    /** {@code joined} and the guest's time namespace, if it has its own (virt_uptime): a command sees the init's clocks. */
    static Set<Namespace> withTime(GuestConfig cfg, Set<Namespace> joined) {
        if (!cfg.proc().views().contains(ProcView.UPTIME)) return joined;
        EnumSet<Namespace> s = EnumSet.copyOf(joined);
        s.add(Namespace.TIME);
        return Set.copyOf(s);
    }

    public Plan plan(GuestConfig cfg, Target target, Command cmd, boolean replay) {
        var p = Plan.builder();
        // A replay plan runs without java's channels, so fds 3 and 4 are foreign there too.
        p.add(new CloseFrom(replay ? 3 : StartPlanner.FIRST_FOREIGN_FD));
        p.add(target.verify());
        // The guest's cgroups are joined after the fork, through files opened now (the host's
        // /sys/fs/cgroup is out of sight once in the guest's mount namespace): a guest at its
        // nproc limit refuses forks but not a process moving in, so it can always be entered.
        List<Path> procsFiles = target.cgroupProcsFiles();
        for (int i = 0; i < procsFiles.size(); i++) p.add(new OpenFd(procsFiles.get(i).toString(), CGROUP_FD + i));
        // Process attributes the host's CAP_SYS_NICE/CAP_SYS_RESOURCE may be needed for: before the
        // guest's user namespace, where the host's capabilities are gone. They survive the joins.
        cfg.nice().ifPresent(n -> p.add(new SetPriority(n)));
        p.addAll(StartPlanner.processResources(cfg));              // the same limits as the guest's init
        // One setns through a pidfd of the init: all namespaces at once, and no pid-reuse window
        // between the check above and the join. A guest in a user namespace is joined in it too,
        // as its root: host uid 0 is not mapped there.
        Optional<UserNamespace> userns = target.userns();
        p.add(target.join(withTime(cfg, joined(userns))));
        p.addAll(userns.isPresent() ? List.of(new SetIds(0, 0, List.of())) : List.<Step>of());
        if (cmd.pty()) {
            p.add(new PtyRelay());                                   // forks: the shell gets a new pty of the guest
        } else {
            p.add(new Clone(Set.of(), ParentMode.WAIT));             // the child is in the guest's pid namespace
            p.add(new Setsid());                                     // no controlling tty: TIOCSTI cannot reach the admin's
        }
        for (int i = 0; i < procsFiles.size(); i++) p.add(new WriteFd(CGROUP_FD + i, "0"));
        p.add(new SetUmask(StartPlanner.GUEST_UMASK));                 // not the admin's umask
        // Never the caller's cwd: a login shell starts at home, a command at /; then the launcher
        // checks that its cwd is that directory, reachable from the guest's root (CVE-2024-21626).
        String cwd = cmd.login() ? cmd.user().home() : "/";
        p.add(new Chdir(cwd));
        p.add(new VerifyCwd(cwd));
        Set<Capability> bounding = Capabilities.bounding(cfg);
        // A domain of its own: never the host's abstract names (nor, a Landlock limit, the init's).
        StartPlanner.abstractSocketScope(cfg).ifPresent(p::add);
        GuestFilter.step(cfg, bounding).ifPresent(p::add);         // last while CAP_SYS_ADMIN is held
        p.add(new SetCaps(bounding, bounding, bounding, Set.of(), Set.of()));
        if (cmd.user().uid() != 0) p.add(new SetIds(cmd.user().uid(), cmd.user().gid(), cmd.user().groups()));
        Map<String, String> extra = new java.util.LinkedHashMap<>(cmd.extraEnv());
        extra.put("HOME", cmd.user().home());
        extra.putIfAbsent("USER", cmd.user().name());
        extra.putIfAbsent("LOGNAME", cmd.user().name());
        List<String> env = StartPlanner.environment(cfg, extra, cmd.user().home());
        if (cmd.argv() == null) p.add(new ExecArgv(env));
        else p.add(new Exec(cmd.argv().getFirst(), cmd.argv(), env));
        return p.build();
    }
}
