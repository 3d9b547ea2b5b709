package org.vserver.cli;

import java.util.concurrent.Callable;
import org.vserver.guest.GuestStart;
import org.vserver.guest.GuestStop;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "restart", description = "Stop the guest (if running), then start it.")
final class RestartCommand implements Callable<Integer> {
    @ParentCommand GuestCommand parent;

    @Override
    public Integer call() throws Exception {
        new GuestStop(parent.guests()).stop(parent.name);
        new GuestStart(parent.guests()).start(parent.name, null);
        return 0;
    }
}
