package org.vserver.cli;

import org.vserver.unify.Hashify;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "hashify", description = "Unify the guest's files into the content-hash store (as vhashify GUEST); the guest must be stopped.")
final class HashifyCommand extends GuestVerb {
    @Option(names = {"-n", "--dry-run"}) boolean dryRun;
    @Option(names = {"-v", "--verbose"}) boolean verbose;
    @Option(names = "--refresh") boolean refresh;
    @Option(names = "--ignore-mtime") boolean ignoreMtime;

    @Override
    public Integer call() throws Exception {
        return VhashifyCommand.run(parent.guests(), parent.name, false, new Hashify.Options(dryRun, verbose, refresh, ignoreMtime),
                parent.out, parent.err);
    }
}
