package org.vserver.context;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.vserver.kernel.Capability;
import org.vserver.plan.Plan;
import org.vserver.plan.Step.*;

/**
 * VServer's spectator context (XID 1): a process that sees every process of every guest and of
 * the host, and holds no power over any of them. On mainline that is the host's pid namespace
 * (everything visible in /proc), an unused user and group id that owns no other process (so
 * kill(2), ptrace(2) and /proc/PID/mem of anything else fail with EPERM, root's processes
 * included), no capabilities at all, and no_new_privs (no setuid binary gives them back).
 * {@code vps}, {@code vtop} and {@code vcontext --xid 1} run their command this way.
 */
public final class SpectatorPlanner {
    private SpectatorPlanner() {}

    /**
     * The spectator's uid and gid: the largest valid id below the kernel's "no id" ((uid_t) -1) and
     * the overflow id's common neighbour (uid_t) -2, which some systems give to nfsnobody. No
     * distribution allocates ids this high, so nothing else runs as it.
     */
    public static final int SPECTATOR_UID = 2_147_483_646, SPECTATOR_GID = 2_147_483_646;

    public static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8");

    /**
     * @param argv the command, or null for a replay plan that takes it from the launcher's command line
     * @param env  the environment (TERM, COLUMNS, ... of the caller); null = a minimal one
     */
    public static Plan plan(List<String> argv, List<String> env, boolean replay) {
        var p = Plan.builder();
        p.add(new CloseFrom(replay ? 3 : StartPlanner.FIRST_FOREIGN_FD));
        // Dropping the bounding set needs CAP_SETPCAP, changing ids CAP_SETUID/SETGID: the bounding
        // set goes first, keeping just those two for setresuid(), which then clears them (no
        // keepcaps); the second SET_CAPS states the result, and would fail if anything were left.
        Set<Capability> ids = EnumSet.of(Capability.SETUID, Capability.SETGID);
        p.add(new SetCaps(Set.of(), ids, ids, Set.of(), Set.of()));
        p.add(new SetIds(SPECTATOR_UID, SPECTATOR_GID, List.of()));
        p.add(new SetCaps(Set.of(), Set.of(), Set.of(), Set.of(), Set.of()));
        p.add(new NoNewPrivs());
        List<String> e = env != null ? env : ENV;
        if (argv == null) p.add(new ExecArgv(e));
        else p.add(new Exec(argv.getFirst(), argv, e));
        return p.build();
    }
}
