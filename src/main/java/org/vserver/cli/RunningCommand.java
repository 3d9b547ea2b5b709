package org.vserver.cli;

import picocli.CommandLine.Command;

@Command(name = "running", description = "Exit 0 if the guest is running, 1 if not.")
final class RunningCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        return parent.guests().running(parent.name).isPresent() ? 0 : 1;
    }
}
