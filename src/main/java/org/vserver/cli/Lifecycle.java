package org.vserver.cli;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * The lifecycle verbs whose syntax util-vserver fixed (no options but {@code --rescue} and
 * {@code --force}) run without picocli: building picocli's model costs 110-200 ms of a cold JVM,
 * more than a whole guest start (bench/run.sh). Anything else on their command line ({@code
 * --help}, an unknown option) goes to picocli as before, so help and errors stay picocli's.
 */
final class Lifecycle {
    private Lifecycle() {}

    /** Runs the command if its arguments are the plain form; empty = let picocli parse them. */
    static OptionalInt run(GuestCommand parent, String command, String[] args) {
        GuestVerb c = parse(parent, command, args);
        if (c == null) return OptionalInt.empty();
        try {
            return OptionalInt.of(c.call());
        } catch (Exception e) {
            var err = new java.io.PrintWriter(parent.err, true);
            return OptionalInt.of(Main.failed(command, e, err));
        }
    }

    static GuestVerb parse(GuestCommand parent, String command, String[] args) {
        List<String> a = Arrays.asList(args);
        boolean none = a.isEmpty();
        return switch (command) {
            case "start" -> {
                if (none) yield with(new StartCommand(), parent);
                if (!a.getFirst().equals("--rescue")) yield null;
                var s = with(new StartCommand(), parent);
                s.rescue = true;
                List<String> cmd = a.subList(1, a.size());
                s.rescueCmd = !cmd.isEmpty() && cmd.getFirst().equals("--") ? cmd.subList(1, cmd.size()) : cmd;
                yield s;
            }
            case "stop" -> none ? with(new StopCommand(), parent) : null;
            case "restart" -> none ? with(new RestartCommand(), parent) : null;
            case "condrestart" -> none ? with(new CondrestartCommand(), parent) : null;
            case "status" -> none ? with(new StatusCommand(), parent) : null;
            case "running" -> none ? with(new RunningCommand(), parent) : null;
            case "enter" -> none ? with(new EnterCommand(), parent) : null;
            case "exec" -> {
                List<String> cmd = !none && a.getFirst().equals("--") ? a.subList(1, a.size()) : a;
                if (cmd.isEmpty() || (cmd == a && cmd.getFirst().startsWith("-"))) yield null;
                var e = with(new ExecCommand(), parent);
                e.argv = cmd;
                yield e;
            }
            case "suexec" -> {
                if (a.size() < 2 || a.getFirst().startsWith("-")) yield null;
                var e = with(new SuexecCommand(), parent);
                e.user = a.getFirst();
                e.argv = a.subList(1, a.size());
                yield e;
            }
            case "delete" -> {
                if (!none && !a.equals(List.of("--force"))) yield null;
                var d = with(new DeleteCommand(), parent);
                d.force = !none;
                yield d;
            }
            default -> null;
        };
    }

    /** Sets the guest as picocli's @ParentCommand would (no pattern switch: its bootstrap costs a start ms). */
    private static <T extends GuestVerb> T with(T command, GuestCommand parent) {
        command.parent = parent;
        return command;
    }
}
