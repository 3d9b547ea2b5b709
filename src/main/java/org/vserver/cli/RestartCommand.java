package org.vserver.cli;

import org.vserver.guest.GuestStart;
import org.vserver.guest.GuestStop;
import picocli.CommandLine.Command;

@Command(name = "restart", description = "Stop the guest (if running), then start it.")
final class RestartCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        new GuestStop(parent.guests()).stop(parent.name);
        new GuestStart(parent.guests(), StatusCommand::template).start(parent.name, null);
        return 0;
    }
}
