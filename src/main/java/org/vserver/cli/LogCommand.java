package org.vserver.cli;

import java.io.OutputStream;
import org.vserver.guest.GuestConsole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "log", description = {
        "Print what the guest's console said, kept after it stopped: LOGBASE/NAME/console.log (.defaults/logbase,",
        "else /var/log/vservers), rotated to console.log.1 at console/size bytes (default 1M)."})
final class LogCommand extends GuestVerb implements Main.OptionsAfterArguments {
    @Option(names = {"-f", "--follow"}, description = "Keep printing what the console says, until the guest stops.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "Only the last N lines.")
    int lines = -1;

    @Override
    public Integer call() throws Exception {
        // The guest writes what it likes; escape sequences must not reach the admin's terminal.
        boolean tty = System.console() != null && System.console().isTerminal();
        OutputStream out = tty ? new ControlEscapes(parent.out) : parent.out;
        new GuestConsole(parent.guests()).printLog(parent.name, out, lines, follow);
        out.flush();
        return 0;
    }
}
