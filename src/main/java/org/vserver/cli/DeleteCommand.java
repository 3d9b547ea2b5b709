package org.vserver.cli;

import java.util.concurrent.Callable;
import org.vserver.guest.GuestDelete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", description = "Remove the guest's root and configuration; --force stops a running guest first.")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Option(names = "--force") boolean force;

    @Override
    public Integer call() throws Exception {
        new GuestDelete(parent.guests()).delete(parent.name, force);
        return 0;
    }
}
