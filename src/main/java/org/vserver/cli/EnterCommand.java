package org.vserver.cli;

import java.util.concurrent.Callable;
import org.vserver.guest.GuestJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "enter", description = "A root login shell inside the guest, on a new terminal of the guest relayed to yours.")
final class EnterCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Override
    public Integer call() throws Exception {
        return new GuestJoin(parent.guests()).enter(parent.name);
    }
}
