package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vcontext}: not built yet. */
@Command(name = "vcontext", mixinStandardHelpOptions = true, description = "Create a throw-away context, or run a command in a running guest's context.")
final class VcontextCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vcontext: not built yet");
        return 1;
    }
}
