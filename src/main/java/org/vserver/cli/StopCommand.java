package org.vserver.cli;

import java.util.concurrent.Callable;
import org.vserver.guest.GuestStop;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "stop", description = "Stop the guest: its style's stop command, the kill sequence, then SIGKILL.")
final class StopCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Override
    public Integer call() throws Exception {
        if (!new GuestStop(parent.guests()).stop(parent.name))
            parent.err.println("vserver: guest '" + parent.name + "' is not running");
        return 0;
    }
}
