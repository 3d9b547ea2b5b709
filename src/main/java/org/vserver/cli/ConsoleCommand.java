package org.vserver.cli;

import org.vserver.guest.GuestConsole;
import picocli.CommandLine.Command;

@Command(name = "console", description = {
        "Attach to the guest's console, a terminal whose other end the guest's monitor holds: see what its init",
        "says, log in on its getty. Ctrl-] detaches; the guest runs on. Without a terminal, stdin is sent to the",
        "console and its output printed until the guest stops. `vserver NAME log` shows what it said before."})
final class ConsoleCommand extends GuestVerb implements Main.OptionsAfterArguments {
    @Override
    public Integer call() throws Exception {
        parent.out.flush();
        return new GuestConsole(parent.guests()).attach(parent.name);
    }
}
