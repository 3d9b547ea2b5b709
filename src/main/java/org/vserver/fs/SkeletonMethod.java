package org.vserver.fs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code -m skeleton [-d DIST] [--] [CMD ARGS...]}: only the {@link Skeleton}, for a rootfs the
 * admin fills in some other way; then, as util-vserver does, an optional command. The command
 * runs on the host (it is the admin's own), in the vdir, with {@code VDIR} set to it.
 *
 * @param distribution {@code -d}, or null to read the rootfs's os-release after the command
 * @param command      the command and its arguments; empty = none
 * @param searchPath   where the command is looked up
 */
public record SkeletonMethod(String distribution, List<String> command, SearchPath searchPath) implements BuildMethod {
    static final String NAME = "skeleton";
    static final String USAGE = "[-d DIST] [--] [CMD ARGS...]";

    public SkeletonMethod {
        command = List.copyOf(command);
    }

    static SkeletonMethod parse(List<String> words, SearchPath path) throws BuildException {
        MethodArgs args = new MethodArgs(NAME, USAGE, words);
        String dist = null;
        while (args.hasNext()) {
            String w = args.peek();
            if (w.equals("-d")) {
                args.next();
                dist = args.value(w);
            } else if (w.equals("--")) {
                args.next();
                break;
            } else if (w.startsWith("-")) {
                throw args.unknown(w);
            } else {
                break;                        // the command starts here, `--` or not
            }
        }
        return new SkeletonMethod(dist, args.rest(), path);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BuildResult build(BuildRequest req) throws BuildException {
        GuestTree tree = Skeleton.createRoot(NAME, req.vdir());
        Skeleton.write(NAME, tree, req, Skeleton.Resolver.FROM_HOST);
        if (!command.isEmpty()) {
            Path vdir = tree.root();
            new Command(NAME, searchPath, command, vdir, Map.of("VDIR", vdir.toString()), req.progress()).run();
        }
        return new BuildResult(BuildResult.DEFAULT_FSTAB, SysvRc.present(tree) ? "sysv" : "plain",
                distribution != null ? distribution : OsRelease.distribution(tree, req));
    }
}
