package org.vserver.cli;

import java.util.List;
import org.vserver.guest.GuestJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "suexec", description = "Run a command as USER (a name or uid of the guest) inside the running guest.")
final class SuexecCommand extends GuestVerb {
    @Parameters(index = "0", paramLabel = "USER") String user;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        return new GuestJoin(parent.guests()).exec(parent.name, user, argv);
    }
}
