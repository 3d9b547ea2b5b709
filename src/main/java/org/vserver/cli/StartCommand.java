package org.vserver.cli;

import java.util.List;
import org.vserver.guest.GuestStart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "start", description = "Start the guest; --rescue CMD runs CMD instead of its init.")
final class StartCommand extends GuestVerb {
    @Option(names = "--rescue", description = "run the command after -- (default /bin/sleep 900) instead of the init")
    boolean rescue;

    @Parameters(paramLabel = "CMD", description = "rescue command and arguments")
    List<String> rescueCmd = List.of();

    @Override
    public Integer call() throws Exception {
        new GuestStart(parent.guests(), StatusCommand::template).start(parent.name, rescue ? rescueCmd : null);
        return 0;
    }
}
