package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vattribute}: not built yet. */
@Command(name = "vattribute", mixinStandardHelpOptions = true, description = "Show a running guest's capabilities and flags.")
final class VattributeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vattribute: not built yet");
        return 1;
    }
}
