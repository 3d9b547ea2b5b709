package org.vserver.cli;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.NamespaceJoin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vnamespace --enter X -- CMD}: CMD sees the running guest's mount table and nothing else
 * of the guest (VServer's vnamespace = {@code vspace --mount --fs}): host pids, host names, the
 * caller's credentials. The other modes (--new, --set, --cleanup) stored namespaces in VServer's
 * kernel; mainline keeps a namespace alive through its processes, so there is nothing to store.
 */
@Command(name = "vnamespace", mixinStandardHelpOptions = true,
        description = {"Run a command in a running guest's mount namespace (and only that).",
                "  vnamespace --enter GUEST -- CMD..."})
final class VnamespaceCommand implements Callable<Integer> {
    @Option(names = {"-e", "--enter"}, required = true, paramLabel = "GUEST", description = "guest name or context number")
    String xid;

    @Parameters(arity = "1..*", paramLabel = "CMD") List<String> argv;

    @Override
    public Integer call() throws Exception {
        return new NamespaceJoin(VserverCommand.guests(Optional.empty(), System.out, System.err)).enterMounts(xid, argv);
    }
}
