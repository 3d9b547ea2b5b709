package org.vserver.cli;

import java.io.OutputStream;
import org.vserver.guest.GuestConsole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "console", description = {
        "Print the guest's console: its /dev/console, where the init's output goes. It is capped by console/size",
        "(default 1M); once full, writes to it fail with ENOSPC inside the guest until it is cleared."})
final class ConsoleCommand extends GuestVerb implements Main.OptionsAfterArguments {
    @Option(names = {"-f", "--follow"}, description = "Keep printing what the guest writes until the guest stops.")
    boolean follow;

    @Option(names = "--clear", description = "Empty the console (prints nothing): the guest can write to it again.")
    boolean clear;

    @Override
    public Integer call() throws Exception {
        var console = new GuestConsole(parent.guests());
        if (clear) {
            if (follow) {
                parent.err.println("vserver: console: --clear and --follow do not go together");
                return 2;
            }
            console.clear(parent.name);
            return 0;
        }
        // The guest writes what it likes; escape sequences must not reach the admin's terminal.
        boolean tty = System.console() != null && System.console().isTerminal();
        OutputStream out = tty ? new ControlEscapes(parent.out) : parent.out;
        console.print(parent.name, out, follow);
        out.flush();
        return 0;
    }
}
