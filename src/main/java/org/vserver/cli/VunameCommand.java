package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vuname}: not built yet. */
@Command(name = "vuname", mixinStandardHelpOptions = true, description = "Show or change a running guest's node and domain name.")
final class VunameCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vuname: not built yet");
        return 1;
    }
}
