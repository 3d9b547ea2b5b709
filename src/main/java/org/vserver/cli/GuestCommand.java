package org.vserver.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.vserver.guest.Guests;
import picocli.CommandLine.Command;
import org.vserver.config.ConfigException;

/** The commands that follow a guest's name: {@code vserver NAME start}, ... */
@Command(name = "vserver NAME")
final class GuestCommand {
    static final String COMMANDS = "build start stop restart condrestart status running exec suexec enter console log delete config hashify";

    /**
     * The one subcommand this invocation runs. Only it is handed to picocli: building the model of
     * every command costs more start-up time than a guest's start itself.
     */
    static Object subcommand(String name) {
        return switch (name) {
            case "start" -> new StartCommand();
            case "stop" -> new StopCommand();
            case "restart" -> new RestartCommand();
            case "condrestart" -> new CondrestartCommand();
            case "status" -> new StatusCommand();
            case "running" -> new RunningCommand();
            case "exec" -> new ExecCommand();
            case "suexec" -> new SuexecCommand();
            case "enter" -> new EnterCommand();
            case "console" -> new ConsoleCommand();
            case "log" -> new LogCommand();
            case "delete" -> new DeleteCommand();
            case "build" -> new BuildCommand();
            case "config" -> new ConfigCommand();
            case "hashify" -> new HashifyCommand();
            default -> null;
        };
    }

    final String name;
    final Optional<Path> confdir;
    final PrintStream out;
    final PrintStream err;
    private Guests guests;

    GuestCommand(String name, Optional<Path> confdir, PrintStream out, PrintStream err) {
        this.name = name;
        this.confdir = confdir;
        this.out = out;
        this.err = err;
    }

    Guests guests() throws IOException, ConfigException {
        if (guests == null) guests = VserverCommand.guests(confdir, out, err);
        return guests;
    }
}
