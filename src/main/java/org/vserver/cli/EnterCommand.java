package org.vserver.cli;

import org.vserver.guest.GuestJoin;
import picocli.CommandLine.Command;

@Command(name = "enter", description = "A root login shell inside the guest, on a new terminal of the guest relayed to yours.")
final class EnterCommand extends GuestVerb {
    @Override
    public Integer call() throws Exception {
        return new GuestJoin(parent.guests()).enter(parent.name);
    }
}
