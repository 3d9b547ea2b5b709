package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vnamespace}: not built yet. */
@Command(name = "vnamespace", mixinStandardHelpOptions = true, description = "Run a command in a running guest's mount namespace.")
final class VnamespaceCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vnamespace: not built yet");
        return 1;
    }
}
