package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vtop}: not built yet. */
@Command(name = "vtop", mixinStandardHelpOptions = true, description = "Watch every process of the host and its guests live, with a summary per guest.")
final class VtopCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vtop: not built yet");
        return 1;
    }
}
