package org.vserver.cli;

import org.vserver.guest.GuestDelete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "delete", description = "Remove the guest's root and configuration; --force stops a running guest first.")
final class DeleteCommand extends GuestVerb {
    @Option(names = "--force") boolean force;

    @Override
    public Integer call() throws Exception {
        new GuestDelete(parent.guests()).delete(parent.name, force);
        return 0;
    }
}
