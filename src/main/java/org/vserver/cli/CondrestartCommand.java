package org.vserver.cli;

import org.vserver.guest.GuestStart;
import org.vserver.guest.GuestStop;
import picocli.CommandLine.Command;

@Command(name = "condrestart", description = "Restart the guest only if it is running.")
final class CondrestartCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        if (parent.guests().running(parent.name).isEmpty()) return 0;
        new GuestStop(parent.guests()).stop(parent.name);
        new GuestStart(parent.guests(), StatusCommand::template).start(parent.name, null);
        return 0;
    }
}
