package org.vserver.cli;

import java.io.PrintStream;
import java.util.Arrays;
import org.vserver.config.ConfigException;
import org.vserver.guest.GuestNotRunningException;
import org.vserver.guest.GuestStart;
import picocli.CommandLine;

/**
 * Entry point of every tool: {@code bin/vserver}, {@code bin/vserver-stat}, {@code bin/vps}, ...
 * are one script that passes its own name as {@code -Dvserver.tool}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int rc = run(System.getProperty("vserver.tool", "vserver"), args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        // No shutdown hooks of ours to run, and everything is flushed: skip the JVM's orderly teardown.
        Runtime.getRuntime().halt(rc);
    }

    public static int run(String tool, String[] args, PrintStream out, PrintStream err) {
        Object command = toolCommand(tool);
        if (tool.equals("vlimit")) return VlimitCommand.run(args, out, err);
        if (command == null) return VserverCommand.run(args, out, err);
        var cl = commandLine(command, out, err);
        if (command instanceof VpsCommand) {
            cl.setUnmatchedOptionsArePositionalParams(true); // `vps aux`, `vps -ef`: ps's options
            cl.setStopAtPositional(false);                   // `vps aux --json`, as bin/vserver routes it
        }
        return cl.execute(args);
    }

    /** The tools with a picocli command of their own (vserver and vlimit parse their command lines themselves). */
    static final java.util.List<String> TOOLS = java.util.List.of("vserver-stat", "vps", "vkill", "vsched", "vtop", "vwait",
            "vserver-info", "vcontext", "chcontext", "vnamespace", "vuname", "vattribute", "chbind", "lsxid", "chxid", "vdu",
            "vdlimit", "vhashify", "vserver-autostart");

    /** A new command object of {@code tool}, or null for vserver and vlimit. */
    static Object toolCommand(String tool) {
        return switch (tool) {
            case "vserver-stat" -> new VserverStatCommand();
            case "vps" -> new VpsCommand();
            case "vkill" -> new VkillCommand();
            case "vsched" -> new VschedCommand();
            case "vtop" -> new VtopCommand();
            case "vwait" -> new VwaitCommand();
            case "vserver-info" -> new VserverInfoCommand();
            case "vcontext" -> new VcontextCommand(false);
            case "chcontext" -> new VcontextCommand(true);
            case "vnamespace" -> new VnamespaceCommand();
            case "vuname" -> new VunameCommand();
            case "vattribute" -> new VattributeCommand();
            case "chbind" -> new ChbindCommand();
            case "lsxid" -> new LsxidCommand();
            case "chxid" -> new ChxidCommand();
            case "vdu" -> new VduCommand();
            case "vdlimit" -> new VdlimitCommand();
            case "vhashify" -> new VhashifyCommand();
            case "vserver-autostart" -> new VserverAutostartCommand();
            default -> null;
        };
    }

    /** picocli with our conventions: no stack traces, errors as one line, exit 1. */
    static CommandLine commandLine(Object command, PrintStream out, PrintStream err) {
        var cl = new CommandLine(command);
        cl.setStopAtPositional(true);      // `exec ps -ef`: everything after the command is the command's
        optionsAfterArguments(cl);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, c, parsed) -> failed(c.getCommandName(), e, c.getErr()));
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println(usageError(c, e));
            return 2;
        });
        return cl;
    }

    /** A command line error as one line: what is wrong and, for an unknown guest command, what there is. */
    static String usageError(CommandLine c, CommandLine.ParameterException e) {
        if (c.getCommand() instanceof GuestCommand
                && e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty())
            return "vserver: unknown command '" + u.getUnmatched().get(0) + "'; commands: " + GuestCommand.COMMANDS;
        String name = c.getCommandName().startsWith("vserver ") ? "vserver" : c.getCommandName();
        return name + ": " + e.getMessage() + (c.getCommandSpec().mixinStandardHelpOptions() ? " (see --help)" : "");
    }

    /** Commands that take no command line of their own accept options after their arguments: `config show --json`. */
    private static void optionsAfterArguments(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof OptionsAfterArguments) sub.setStopAtPositional(false);
            optionsAfterArguments(sub);
        }
    }

    /** Marks a command whose options may follow its positional parameters. */
    interface OptionsAfterArguments {}

    /** A command failed: one line naming the command and what went wrong; 3 for "not running", else 1. */
    static int failed(String command, Exception e, java.io.PrintWriter err) {
        if (e instanceof GuestStart.GuestStartFailed) return 1;   // the launcher said what failed
        err.println(command + ": " + message(e));
        err.flush();
        return e instanceof GuestNotRunningException ? 3 : 1;
    }

    static String message(Exception e) {
        if (e instanceof ConfigException) return e.getMessage();
        String m = e.getMessage();
        return m != null ? m : e.toString();
    }

    static String[] tail(String[] a, int from) { return Arrays.copyOfRange(a, from, a.length); }
}
