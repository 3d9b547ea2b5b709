package org.vserver.cli;

import java.util.List;
import org.vserver.guest.GuestJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "exec", description = "Run a command as root inside the running guest.")
final class ExecCommand extends GuestVerb {
    @Parameters(arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        return new GuestJoin(parent.guests()).exec(parent.name, null, argv);
    }
}
