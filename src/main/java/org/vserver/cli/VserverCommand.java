package org.vserver.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.guest.Vserver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.guest.ThrowAwayContext;
import org.vserver.state.Xid;

/**
 * {@code vserver [--confdir DIR] NAME|XID COMMAND [ARGS]}: VServer's order, the guest before the
 * command, which picocli cannot express; so the name is taken here and the command line that
 * follows goes to {@link GuestCommand}'s subcommands. {@code vserver debug ...} has no guest first.
 */
@Command(name = "vserver", mixinStandardHelpOptions = true, version = "vserver 0.1",
        description = "Manage virtual private servers: vserver [--confdir DIR] NAME COMMAND [ARGS]")
final class VserverCommand implements Callable<Integer> {

    static int run(String[] args, PrintStream out, PrintStream err) {
        Optional<Path> confdir = Optional.empty();
        int i = 0;
        if (args.length == 1 && args[0].equals("--completion")) {
            out.print(Completion.bash());
            return 0;
        }
        while (i < args.length && args[i].startsWith("-")) {
            String a = args[i];
            if (a.equals("--confdir") && i + 1 < args.length) {
                confdir = Optional.of(Path.of(args[i + 1]));
                i += 2;
            } else if (a.startsWith("--confdir=")) {
                confdir = Optional.of(Path.of(a.substring("--confdir=".length())));
                i++;
            } else if (a.equals("-s") || a.equals("--sync") || a.equals("-v") || a.equals("--silent") || a.equals("--debug")) {
                i++; // accepted for util-vserver compatibility: we are always synchronous
            } else {
                var cl = Main.commandLine(new VserverCommand(), out, err);
                cl.getCommandSpec().usageMessage().footer(commandList());
                cl.setUsageHelpWidth(120);
                return cl.execute(args);
            }
        }
        if (i >= args.length) {
            var cl = Main.commandLine(new VserverCommand(), out, err);
            cl.getCommandSpec().usageMessage().footer(commandList());
            cl.setUsageHelpWidth(120);
            cl.usage(out);
            return 2;
        }
        if (args[i].equals("debug")) {
            return Main.commandLine(new DebugCommand(confdir), out, err).execute(Main.tail(args, i + 1));
        }
        if (i + 1 >= args.length) {
            err.println("vserver: usage: vserver NAME COMMAND [ARGS]; commands: " + GuestCommand.COMMANDS);
            return 2;
        }
        String name = guestName(args[i], args[i + 1], confdir, out, err);
        if (ThrowAwayContext.isContext(name) && !hasConfig(confdir, name)) {
            err.println("vserver: " + name + " is a throw-away context of `vcontext --create`, not a guest: it ends with"
                    + " its command; end it early with `vkill --xid " + ThrowAwayContext.xidOf(name).getAsInt() + " -s KILL`");
            return 1;
        }
        if (i + 2 < args.length && (args[i + 2].equals("--help") || args[i + 2].equals("-h"))
                && GuestCommand.subcommand(args[i + 1]) != null) {
            // `vserver NAME COMMAND --help` (only right after the command: `exec ls --help` is ls's)
            var help = Main.commandLine(GuestCommand.subcommand(args[i + 1]), out, err);
            help.setCommandName("vserver " + args[i] + " " + args[i + 1]);
            help.usage(out);
            return 0;
        }
        var fast = Lifecycle.run(new GuestCommand(name, confdir, out, err), args[i + 1], Main.tail(args, i + 2));
        if (fast.isPresent()) return fast.getAsInt();
        Object sub = GuestCommand.subcommand(args[i + 1]);
        if (sub == null) {
            err.println("vserver: unknown command '" + args[i + 1] + "'; commands: " + GuestCommand.COMMANDS);
            return 2;
        }
        var cl = Main.commandLine(new GuestCommand(name, confdir, out, err), out, err);
        cl.addSubcommand(args[i + 1], sub);
        // Settings reach only the subcommands present when they are made: this one came later.
        CommandLine subCl = cl.getSubcommands().get(args[i + 1]);
        subCl.setStopAtPositional(!(sub instanceof Main.OptionsAfterArguments));
        subCl.setOut(cl.getOut());
        subCl.setErr(cl.getErr());
        return cl.execute(Main.tail(args, i + 1));
    }

    @Override
    public Integer call() { return 0; }

    /** A description up to its first period, colon or semicolon: one line of the command list. */
    static String firstClause(String d) {
        int end = d.length();
        for (String stop : new String[] {". ", ": ", "; "}) {
            int at = d.indexOf(stop);
            if (at > 0 && at < end) end = at;
        }
        return d.substring(0, end).replaceAll("\\.$", "");
    }

    /** The commands, one line each, from their own descriptions (`vserver NAME COMMAND --help` has the rest). */
    static String commandList() {
        var sb = new StringBuilder("%nCommands (vserver NAME COMMAND --help for each):%n");
        for (String name : GuestCommand.COMMANDS.split(" ")) {
            String[] d = new CommandLine(GuestCommand.subcommand(name)).getCommandSpec().usageMessage().description();
            sb.append(String.format("  %-12s %s%%n", name, d.length > 0 ? firstClause(d[0]).replace("%", "%%") : ""));
        }
        sb.append(String.format("  %-12s %s%%n", "debug", "what a command would do (vserver debug plan NAME start)"));
        return sb.toString();
    }

    /**
     * VServer's {@code vserver XID COMMAND}: a context number that is no guest's name stands for
     * the guest that has it ({@link GuestRef}). Not for {@code build} and {@code delete}: a new
     * guest may be named by a number, and a guest is removed only by its name. A name costs no
     * lookup (the start path stays as short as it was); an unknown argument is passed on as it
     * is, for the command to report.
     */
    private static String guestName(String arg, String command, Optional<Path> confdir, PrintStream out, PrintStream err) {
        if (command.equals("build") || command.equals("delete") || !Xid.isNumber(arg) || hasConfig(confdir, arg)) return arg;
        try {
            return GuestRef.find(guests(confdir, out, err), arg).map(GuestRef::name).orElse(arg);
        } catch (IOException | ConfigException e) {
            return arg;
        }
    }

    /** Whether NAME has a configuration directory (a guest may be named like a throw-away context). */
    private static boolean hasConfig(Optional<Path> confdir, String name) {
        try {
            return java.nio.file.Files.isDirectory(ConfigRoot.fromEnvironment(confdir, System.getenv()).guestDir(name));
        } catch (ConfigException e) {
            return false;
        }
    }

    /** Shared by the commands: the host's setup for this invocation. */
    static Guests guests(Optional<Path> confdir, PrintStream out, PrintStream err)
            throws IOException, ConfigException {
        return new Guests(Vserver.fromEnvironment(confdir, out, err));
    }
}
