package org.vserver.cli;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.GuestHashify;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.unify.Hashify;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vhashify [-n] [-v] [--refresh] [--ignore-mtime] GUEST} and {@code vhashify --gc}:
 * util-vserver's tool (reference §5.5). The guest's files that its exclude lists allow are linked
 * into the content-hash store of its filesystem; {@code --gc} removes what no guest uses any more.
 */
@Command(name = "vhashify", mixinStandardHelpOptions = true,
        description = {"Link a stopped guest's files into the content-hash store, so that identical files of all guests",
            "are one inode (disk, page cache and shared libraries paid once); the guest sees them read-only",
            "through its overlay, and a write copies the file into its private layer. --gc: remove unused entries."})
final class VhashifyCommand implements Callable<Integer> {
    @Option(names = {"-n", "--dry-run"}, description = "change nothing; with -v, list what would be linked") boolean dryRun;
    @Option(names = {"-v", "--verbose"}, description = "one line per file") boolean verbose;
    @Option(names = "--refresh", description = "look at files that are linked already, too") boolean refresh;
    @Option(names = "--ignore-mtime", description = "files that differ only in their modification time are identical") boolean ignoreMtime;
    @Option(names = "--gc", description = "remove store entries and lower trees no guest uses") boolean gc;
    @Parameters(arity = "0..1", paramLabel = "GUEST") String guest;

    @Override
    public Integer call() throws Exception {
        return run(VserverCommand.guests(Optional.empty(), System.out, System.err), guest, gc,
                new Hashify.Options(dryRun, verbose, refresh, ignoreMtime), System.out, System.err);
    }

    /** Shared with {@code vserver NAME hashify}. */
    static int run(Guests guests, String guest, boolean gc, Hashify.Options o, PrintStream out, PrintStream err) throws Exception {
        var h = new GuestHashify(guests);
        if (gc) {
            var c = h.gc(guest == null ? Optional.empty() : Optional.of(GuestRef.require(guests, guest).name()));
            out.println("removed " + c.entries() + " unused store entries (" + c.bytes() / 1024 + " KiB) and "
                    + c.lowerTrees() + " unused lower trees");
            return 0;
        }
        if (guest == null) {
            err.println("vhashify: name a guest (or --gc)");
            return 2;
        }
        String name = GuestRef.require(guests, guest).name();
        try (var progress = new HashifyProgress(err, out, System.console() != null, o.verbose(), o.dryRun())) {
            h.hashify(name, o, progress);
        }
        return 0;
    }
}
