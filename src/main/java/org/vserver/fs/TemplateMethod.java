package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -m template -- -t TARBALL [-t TARBALL]... [-d DIST]}: unpacks archives into the vdir,
 * in order (a later one overwrites an earlier one), then the {@link Skeleton} on top: hostname and
 * hosts are the new guest's, a non-empty resolv.conf of the template is kept.
 *
 * <p>GNU tar does the work ({@link Tar}): it detects gzip, bzip2, xz and zstd by magic, and as
 * root keeps the archive's numeric owners ({@code --numeric-owner}: the guest's uid 1000 is not
 * looked up in the host's passwd) and modes ({@code -p}).
 *
 * @param tarballs     the archives, in order
 * @param distribution {@code -d}, or null to read the rootfs's os-release
 * @param searchPath   where tar and the decompressors are looked up
 */
public record TemplateMethod(List<Path> tarballs, String distribution, SearchPath searchPath) implements BuildMethod {
    static final String NAME = "template";
    static final String USAGE = "-t TARBALL [-t TARBALL]... [-d DIST]";

    public TemplateMethod {
        tarballs = List.copyOf(tarballs);
    }

    static TemplateMethod parse(List<String> words, SearchPath path) throws BuildException {
        MethodArgs args = new MethodArgs(NAME, USAGE, words);
        List<Path> tarballs = new ArrayList<>();
        String dist = null;
        while (args.hasNext()) {
            String w = args.next();
            switch (w) {
                case "-t", "--template" -> tarballs.add(Path.of(args.value(w)));
                case "-d" -> dist = args.value(w);
                default -> throw args.unknown(w);
            }
        }
        if (tarballs.isEmpty()) {
            throw args.usage("no archive: give one with -t TARBALL");
        }
        return new TemplateMethod(tarballs, dist, path);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BuildResult build(BuildRequest req) throws BuildException {
        List<Path> archives = new ArrayList<>();
        for (Path t : tarballs) {                           // every archive and tool checked before unpacking one
            Path archive = t.toAbsolutePath();
            if (!Files.isRegularFile(archive)) {
                throw new BuildException(NAME, "template " + archive + ": " + (Files.exists(archive)
                        ? "not a regular file" : "no such file") + "; give an existing archive with -t");
            }
            if (!Files.isReadable(archive)) {
                throw new BuildException(NAME, "template " + archive + ": permission denied");
            }
            archives.add(archive);
        }
        Path tar = null;
        for (Path archive : archives) {
            Tar.Compression c;
            try {
                c = Tar.Compression.of(archive);
            } catch (IOException e) {
                throw BuildException.io(NAME, "read template " + archive, e);
            }
            tar = Tar.check(NAME, searchPath, c, req.progress());
        }
        GuestTree tree = Skeleton.createRoot(NAME, req.vdir());
        for (Path archive : archives) {
            req.progress().accept("unpacking " + archive + " into " + tree.root());
            List<String> argv = new ArrayList<>(List.of(tar.toString(), "--numeric-owner"));
            argv.addAll(Tar.XATTRS);
            argv.addAll(List.of("-xpf", archive.toString(), "-C", tree.root().toString()));
            new Command(NAME, searchPath, argv, req.progress()).run();
        }
        Skeleton.write(NAME, tree, req, Skeleton.Resolver.KEEP_GUEST);
        return new BuildResult(BuildResult.DEFAULT_FSTAB, SysvRc.present(tree) ? "sysv" : "plain",
                distribution != null ? distribution : OsRelease.distribution(tree, req));
    }
}
