package org.vserver.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.vserver.guest.Guests;
import picocli.CommandLine.Command;

/** The commands that follow a guest's name: {@code vserver NAME start}, ... */
@Command(name = "vserver NAME", subcommands = {
        StartCommand.class, StopCommand.class, RestartCommand.class, CondrestartCommand.class, StatusCommand.class,
        RunningCommand.class, ExecCommand.class, SuexecCommand.class, EnterCommand.class, DeleteCommand.class,
        BuildCommand.class, ConfigCommand.class})
final class GuestCommand {
    static final String COMMANDS = "build start stop restart condrestart status running exec suexec enter delete config";

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

    Guests guests() throws IOException, org.vserver.config.ConfigException {
        if (guests == null) guests = VserverCommand.guests(confdir, out, err);
        return guests;
    }
}
