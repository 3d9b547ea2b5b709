package org.vserver.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestRanges;
import org.vserver.config.IdKind;
import org.vserver.guest.Vserver;
import org.vserver.state.Xid;
import org.vserver.sys.FileStat;
import org.vserver.tag.FileWalk;
import org.vserver.tag.IdOwner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lsxid [-Radx] [PATH...]}: util-vserver's tool, the tag read from the file's owner rather
 * than from a tag field of the inode (vserver.md §5.2). One line per file, {@code XID NAME  PATH}:
 * <ul>
 *   <li>a guest's id: the guest's static context number ({@code context} file) or {@code -}, and its name;</li>
 *   <li>a host id below 65536: {@code 0 host};</li>
 *   <li>an id of 65536 or above in no guest's range: {@code - ?};</li>
 *   <li>uid and gid of different owners: both, uid's first, as {@code 42/0 web/host}.</li>
 * </ul>
 * util-vserver printed the name or, without one, the number, right-aligned in one column; both
 * columns here, so that a script reads either without a second lookup.
 */
@Command(name = "lsxid", mixinStandardHelpOptions = true,
        description = {"Show which guest owns each file, by its uid and gid: one line XID NAME  PATH.",
            "XID: the guest's static context number, or '-'. Host ids below 65536: '0 host';",
            "ids in no guest's range: '- ?'; uid and gid of different owners: 'uid/gid'."})
final class LsxidCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "-R", description = "recurse through directories") boolean recursive;
    @Option(names = "-a", description = "show entries whose name starts with '.' too") boolean all;
    @Option(names = "-d", description = "list directories themselves, not their contents") boolean directories;
    @Option(names = "-x", description = "do not cross filesystems") boolean oneFilesystem;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "files and directories (default: .); links are not followed")
    List<String> paths = new ArrayList<>();

    private final Map<String, String> contexts = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        return run(VserverCommand.guests(Optional.empty(), System.out, System.err).vserver(), spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }

    /** The command on {@code vs}'s configuration root and syscalls; 1 if a file could not be read. */
    int run(Vserver vs, PrintWriter out, PrintWriter err) throws ConfigException {
        GuestRanges ranges = GuestRanges.read(vs.config());
        for (ConfigException e : ranges.problems()) err.println("lsxid: warning: " + e.getMessage() + " (its ids show as '- ?')");
        // -d wins over -R, as util-vserver: a directory named is shown itself, nothing below it
        var walk = new FileWalk(vs.sys(), new FileWalk.Options(recursive && !directories, !directories, all, oneFilesystem));
        boolean ok = true;
        for (String path : paths.isEmpty() ? List.of(".") : paths)
            ok &= walk.walk(path, (p, fd, st) -> out.println(line(vs.config(), ranges, p, st)), e -> err.println("lsxid: " + e.getMessage()));
        out.flush();
        err.flush();
        return ok ? 0 : 1;
    }

    private String line(ConfigRoot root, GuestRanges ranges, String path, FileStat st) {
        IdOwner uid = IdOwner.of(ranges, IdKind.UID, Integer.toUnsignedLong(st.uid()));
        IdOwner gid = IdOwner.of(ranges, IdKind.GID, Integer.toUnsignedLong(st.gid()));
        String xid = xid(root, uid), name = name(uid);
        if (!name.equals(name(gid))) {
            xid += "/" + xid(root, gid);
            name += "/" + name(gid);
        }
        return String.format("%5s %-12s  %s", xid, name, path);
    }

    private static String name(IdOwner o) {
        return switch (o) {
            case IdOwner.Host h -> "host";
            case IdOwner.Guest g -> g.name();
            case IdOwner.Stray s -> "?";
        };
    }

    /** The owner's context number: the host's 0, a guest's static one; a broken context file shows as none. */
    private String xid(ConfigRoot root, IdOwner o) {
        return switch (o) {
            case IdOwner.Host h -> Integer.toString(Xid.HOST);
            case IdOwner.Stray s -> "-";
            case IdOwner.Guest g -> contexts.computeIfAbsent(g.name(), n -> {
                try {
                    OptionalInt c = ConfigDir.staticContext(root, n);
                    return c.isPresent() ? Integer.toString(c.getAsInt()) : "-";
                } catch (ConfigException e) {
                    return "-";
                }
            });
        };
    }
}
