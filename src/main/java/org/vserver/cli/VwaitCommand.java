package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vwait}: not built yet. */
@Command(name = "vwait", mixinStandardHelpOptions = true, description = "Wait until a guest has stopped.")
final class VwaitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vwait: not built yet");
        return 1;
    }
}
