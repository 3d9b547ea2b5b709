package org.vserver.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.vserver.guest.GuestJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = "Run a command as root inside the running guest.")
final class ExecCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Parameters(arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        return new GuestJoin(parent.guests()).exec(parent.name, null, argv);
    }
}
