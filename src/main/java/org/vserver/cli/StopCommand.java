package org.vserver.cli;

import org.vserver.guest.GuestStop;
import picocli.CommandLine.Command;

@Command(name = "stop", description = "Stop the guest: its style's stop command, the kill sequence, then SIGKILL.")
final class StopCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        if (!new GuestStop(parent.guests()).stop(parent.name))
            parent.err.println("vserver: guest '" + parent.name + "' is not running");
        return 0;
    }
}
