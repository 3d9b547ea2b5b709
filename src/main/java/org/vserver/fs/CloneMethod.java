package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code -m clone -- --source DIR [-X PATTERN]... [-d DIST]}: a copy of another guest's root (or
 * any directory), as it is on disk: owners, modes, times, hard links, links, devices and xattrs,
 * then the {@link Skeleton} for the new name (a non-empty resolv.conf of the source is kept).
 *
 * <p>The caller resolves a guest name to that guest's vdir; here the source is a path. The copy
 * stays on the source's filesystem ({@code -x}): a mount left under the source (a leaked /proc or
 * bind mount) is not copied. Without excludes it is {@code cp -a --reflink=auto}, which shares
 * blocks on btrfs and XFS; with excludes, a tar pipe, because cp has no exclude. Both keep sparse
 * files sparse (cp finds the holes with SEEK_HOLE; tar needs {@code --sparse}, without which a
 * guest's 2 GiB file of holes became 2 GiB of zeros on the host's disk).
 *
 * <p>cp walks the source by path names, following any link on the way but the last. A source that
 * a running guest can change during the copy is therefore not safe to copy: the caller holds it
 * still ({@code org.vserver.guest.CloneSource} freezes the guest) before calling {@link #build}.
 *
 * <p>{@link BuildResult#fstab()} is empty: the caller copies the source guest's fstab (a
 * host-method source needs its /usr line), or writes {@link BuildResult#DEFAULT_FSTAB} for a plain
 * directory.
 *
 * @param source       the directory to copy
 * @param excludes     tar --exclude patterns, matched against paths relative to the source ("var/cache/apt",
 *                     "*.log"); a leading '/' is dropped
 * @param distribution {@code -d}, or null to read the copy's os-release
 * @param searchPath   where cp and tar are looked up
 */
public record CloneMethod(Path source, List<String> excludes, String distribution, SearchPath searchPath)
        implements BuildMethod {
    static final String NAME = "clone";
    static final String USAGE = "--source GUEST_VDIR_OR_DIR [-X PATTERN]... [-d DIST]";

    public CloneMethod {
        excludes = List.copyOf(excludes);
    }

    static CloneMethod parse(List<String> words, SearchPath path) throws BuildException {
        MethodArgs args = new MethodArgs(NAME, USAGE, words);
        Path source = null;
        List<String> excludes = new ArrayList<>();
        String dist = null;
        while (args.hasNext()) {
            String w = args.next();
            switch (w) {
                case "--source", "-s" -> source = Path.of(args.value(w));
                case "-X", "--exclude" -> excludes.add(args.value(w));
                case "-d" -> dist = args.value(w);
                default -> throw args.unknown(w);
            }
        }
        if (source == null) {
            throw args.usage("no source: give the guest's vdir or a directory with --source");
        }
        return new CloneMethod(source, excludes, dist, path);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BuildResult build(BuildRequest req) throws BuildException {
        if (!Files.exists(source)) {
            throw new BuildException(NAME, source.isAbsolute()
                    ? "source " + source + ": no such directory"
                    : "source " + source + ": no such guest or directory (give a guest's name or a directory path)");
        }
        if (!Files.isDirectory(source)) {
            throw new BuildException(NAME, "source " + source + ": not a directory");
        }
        Path from;
        try {
            from = source.toRealPath();
        } catch (IOException e) {
            throw BuildException.io(NAME, "resolve source " + source, e);
        }
        Command.require(NAME, searchPath, "cp", "coreutils");
        Path tar = excludes.isEmpty() ? null : Command.require(NAME, searchPath, "tar", "tar");
        GuestTree tree = Skeleton.createRoot(NAME, req.vdir());
        Path to = tree.root();
        if (to.startsWith(from) || from.startsWith(to)) {
            throw new BuildException(NAME, "cannot clone " + from + " into " + to + ": one contains the other");
        }
        req.progress().accept("copying " + from + " to " + to);
        if (excludes.isEmpty()) {
            copy(from, to, searchPath, req.progress());
        } else {
            List<String> pack = new ArrayList<>(List.of(tar.toString(), "-C", from.toString(), "--one-file-system", "--sparse"));
            pack.add("--xattrs");
            pack.add("--xattrs-include=*");
            for (String x : excludes) {
                pack.add("--exclude=" + x.replaceFirst("^/+", ""));
            }
            pack.addAll(List.of("-cf", "-", "."));
            List<String> unpack = new ArrayList<>(List.of(tar.toString(), "-C", to.toString(), "--numeric-owner"));
            unpack.addAll(Tar.XATTRS);
            unpack.addAll(List.of("-xpf", "-"));
            new Command(NAME, searchPath, pack, req.progress()).pipeTo(new Command(NAME, searchPath, unpack, req.progress()));
        }
        return personalize(tree, req);
    }

    /**
     * {@code cp -a -x}: owners, modes, times, hard links, links, devices (overlayfs's whiteouts)
     * and xattrs (its opaque directories) kept, blocks shared where the filesystem can (reflink),
     * holes kept; the contents of {@code from} into the existing directory {@code to}.
     */
    public static void copy(Path from, Path to, SearchPath searchPath, Consumer<String> progress)
            throws BuildException {
        Path cp = Command.require(NAME, searchPath, "cp", "coreutils");
        new Command(NAME, searchPath, List.of(cp.toString(), "-a", "-x", "--reflink=auto", "--sparse=auto",
                from + "/.", to + "/"), progress).run();
    }

    /**
     * The clone's own name in a tree that is already its copy (or, for a unified source, its
     * overlay of the source's lower tree, mounted at {@code req.vdir()}): the skeleton for the new
     * name, and how to start what is there.
     */
    public BuildResult personalize(BuildRequest req) throws BuildException {
        return personalize(Skeleton.createRoot(NAME, req.vdir()), req);
    }

    private BuildResult personalize(GuestTree tree, BuildRequest req) throws BuildException {
        Skeleton.write(NAME, tree, req, Skeleton.Resolver.KEEP_GUEST);
        return new BuildResult(List.of(), SysvRc.present(tree) ? "sysv" : "plain",
                distribution != null ? distribution : OsRelease.distribution(tree, req));
    }
}
