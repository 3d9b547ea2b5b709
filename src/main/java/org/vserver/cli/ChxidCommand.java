package org.vserver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestRanges;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.guest.Vserver;
import org.vserver.state.Xid;
import org.vserver.tag.FileWalk;
import org.vserver.tag.Retag;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code chxid -c GUEST|XID [-Rx] PATH...}: util-vserver's tool, the tag moved by moving the
 * file's owner into the target's id range ({@link Retag}). {@code -c 0} is the host: back to ids
 * 0..65535, as a guest's own root tree (idmapped at start) and a {@code userns/disabled} guest's
 * files are owned. As chown, and unlike util-vserver's fstool walk, a directory without -R is
 * retagged itself only, and entries starting with '.' are never skipped: a retag is complete.
 */
@Command(name = "chxid", mixinStandardHelpOptions = true,
        description = {"Retag files to another guest: each uid and gid moves from its owner's range",
            "to the same id in the target's (uid 1000 of guest A becomes uid 1000 of guest B;",
            "host ids 0..65535 become the guest's 0..65535). -c 0: back to the host's ids.",
            "Links are retagged themselves, never followed; setuid and setgid bits are kept."})
final class ChxidCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "-c", required = true, paramLabel = "GUEST|XID", description = "the guest to retag to, by name or context number; 0: the host")
    String target;

    @Option(names = "-R", description = "recurse through directories") boolean recursive;
    @Option(names = "-x", description = "do not cross filesystems") boolean oneFilesystem;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "files and directories")
    List<String> paths = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return run(VserverCommand.guests(Optional.empty(), System.out, System.err), spec.commandLine().getErr());
    }

    /**
     * The command on {@code guests}' configuration root and syscalls; 1 if a file could not be
     * retagged (the others are).
     *
     * @throws IOException     the target is no guest, or has no range
     * @throws ConfigException the target's own map file does not parse
     */
    int run(Guests guests, PrintWriter err) throws IOException, ConfigException {
        Vserver vs = guests.vserver();
        GuestRanges ranges = GuestRanges.read(vs.config());
        Retag.Target to = target.equals(Integer.toString(Xid.HOST)) ? new Retag.Host()
                : Retag.target(vs.config(), GuestRef.require(guests, target).name(), ranges);
        // another guest's broken file: its ids are nobody's here, so its files are refused one by one
        for (ConfigException e : ranges.problems()) err.println("chxid: warning: " + e.getMessage());
        var retag = new Retag(vs.sys(), ranges, to);
        var walk = new FileWalk(vs.sys(), new FileWalk.Options(recursive, false, true, oneFilesystem));
        boolean ok = true;
        for (String path : paths) ok &= walk.walk(path, retag::retag, e -> err.println("chxid: " + e.getMessage()));
        err.flush();
        return ok ? 0 : 1;
    }
}
