package org.vserver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.vserver.context.SpectatorPlanner;
import org.vserver.guest.GuestJoin;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.guest.ThrowAwayContext;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.state.RunState;
import org.vserver.state.Xid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vcontext --migrate --xid X -- CMD} (and {@code chcontext --ctx X CMD}): CMD in a running
 * guest, exactly as {@code vserver NAME exec}; {@code vcontext --create [--xid X] -- CMD} (and
 * {@code chcontext CMD}): CMD as PID 1 of a throw-away context on the host's filesystem; XID 1 is
 * the spectator, who sees every process and can touch none.
 */
@Command(name = "vcontext", mixinStandardHelpOptions = true,
        description = {"Create a throw-away context, or run a command in a running guest's context.",
                "  vcontext --create [--xid X] [--silent] [--uid U] -- CMD...",
                "  vcontext --migrate --xid GUEST [--uid U] -- CMD...",
                "  vcontext --xid 1 -- CMD...      (the spectator: sees all, touches nothing)",
                "  chcontext [--ctx X] [--uid U] CMD...   (legacy: with --ctx it joins, without it creates)"})
final class VcontextCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    private final boolean legacy;

    VcontextCommand(boolean legacy) { this.legacy = legacy; }

    @Option(names = "--create", description = "create a new context (dynamic XID unless --xid)") boolean create;

    @Option(names = "--migrate", description = "join the running context --xid") boolean migrate;

    @Option(names = {"--xid", "--ctx"}, paramLabel = "X", description = "guest name or context number; 1 = the spectator")
    String xid;

    @Option(names = "--uid", paramLabel = "U", description = "run CMD as this user (a uid; with --migrate also a name of the guest)")
    String uid;

    @Option(names = "--silent", description = "do not print the new context's XID") boolean silent;

    @Parameters(arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        String tool = legacy ? "chcontext" : "vcontext";
        if (create && migrate) return usage(tool + ": --create and --migrate exclude each other");
        boolean spectator = Xid.parse(xid).equals(OptionalInt.of(Xid.SPECTATOR)) && !create;
        if (!create && !migrate && !spectator) {
            if (!legacy) return usage("vcontext: say --create, --migrate --xid X, or --xid 1 (the spectator)");
            if (xid == null) create = true;
            else migrate = true;
        }
        if (migrate && xid == null) return usage(tool + ": --migrate needs --xid X");
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        if (spectator) return spectator(guests, tool);
        if (migrate) {
            RunState st = GuestRef.requireRunning(guests, xid);
            if (ThrowAwayContext.isContext(st.name()))
                throw new IllegalArgumentException(st.name() + " is a throw-away context (vcontext --create): it has no"
                        + " configuration to join by; run a second command in it from its first one");
            return new GuestJoin(guests).exec(st.name(), uid, argv);
        }
        OptionalInt wanted = OptionalInt.empty();
        if (xid != null) {
            try {
                wanted = OptionalInt.of(Xid.parseGuest(xid));
            } catch (IllegalArgumentException e) {
                return usage(tool + ": --create takes a context number: " + e.getMessage());
            }
        }
        int user = 0;
        if (uid != null) {
            if (!uid.matches("\\d{1,10}") || Long.parseLong(uid) > Integer.MAX_VALUE)
                return usage(tool + ": --create takes a numeric --uid (the host's users are not looked up), not '" + uid + "'");
            user = Integer.parseInt(uid);
        }
        try {
            // stderr, as VServer: stdout belongs to CMD, so `vcontext --create -- cmd >file` keeps only its output.
            return new ThrowAwayContext(guests).run(wanted, user, argv,
                    x -> { if (!silent) { err.println("New security context is " + x); err.flush(); } });
        } catch (ThrowAwayContext.XidTakenException e) {
            err.println(tool + ": " + e.getMessage());
            return ThrowAwayContext.EXIT_EXISTS;
        }
    }

    /** The spectator: the host's pid namespace, an id nothing else runs as, no capabilities. */
    private int spectator(Guests guests, String tool) throws java.io.IOException {
        if (uid != null) return usage(tool + ": the spectator (XID 1) runs as its own unused uid: --uid is not allowed");
        List<String> env = new ArrayList<>(SpectatorPlanner.ENV);
        for (String v : List.of("TERM", "COLUMNS", "LINES")) {
            String val = System.getenv(v);
            if (val != null) env.add(v + "=" + val);
        }
        try {
            return guests.vserver().launcher().run(SpectatorPlanner.plan(argv, env, false), Launcher.Stdio.INHERIT,
                    new Launcher.Host() {}).exitCode();
        } catch (StepFailedException e) {
            spec.commandLine().getErr().println(tool + ": " + e.brief());
            return GuestJoin.EXIT_SETUP;
        }
    }

    private int usage(String message) {
        spec.commandLine().getErr().println(message + " (see --help)");
        return 2;
    }
}
