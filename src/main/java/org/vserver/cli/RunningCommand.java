package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "running", description = "Exit 0 if the guest is running, 1 if not.")
final class RunningCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Override
    public Integer call() throws Exception {
        return parent.guests().running(parent.name).isPresent() ? 0 : 1;
    }
}
