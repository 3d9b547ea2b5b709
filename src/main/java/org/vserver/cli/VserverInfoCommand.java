package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vserver-info}: not built yet. */
@Command(name = "vserver-info", mixinStandardHelpOptions = true, description = "Query a guest, a context number or a process.")
final class VserverInfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vserver-info: not built yet");
        return 1;
    }
}
