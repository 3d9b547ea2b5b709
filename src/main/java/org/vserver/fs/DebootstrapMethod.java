package org.vserver.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code -m debootstrap -- -d SUITE [-m MIRROR] [-s SCRIPT] [--insecure] [-- DEBOOTSTRAP-OPTIONS...]}:
 * a Debian or Ubuntu minbase from a mirror, by the host's debootstrap; then the {@link Skeleton}
 * (hostname, hosts, the host's resolv.conf), the suite's security and updates lines in
 * {@code /etc/apt/sources.list} ({@link AptSources}) and, since minbase has no sysv-rc, our
 * {@link SysvRc} where the rootfs has no /etc/init.d/rc.
 *
 * <p>Packages are verified against the distribution's keyring: a host without it (Debian's
 * debian-archive-keyring, Ubuntu's ubuntu-keyring) makes the build fail, saying which package to
 * install, unless {@code --insecure} is given (then debootstrap runs with --no-check-gpg, and says
 * so). A suite of neither (with {@code -m}) needs a {@code --keyring=} among the debootstrap options,
 * or {@code --insecure}.
 *
 * <p>debootstrap mounts /proc and /sys (and sometimes binds /dev) inside the target and does not
 * undo them when it fails. So it runs under {@code unshare --mount}: its mounts live in a private
 * namespace that dies with it, and removing a failed vdir cannot reach the host's /dev through a
 * leftover bind mount.
 *
 * @param suite      a Debian suite or codename (bookworm, stable, sid...) or an Ubuntu codename (noble...)
 * @param mirror     {@code -m}; null = deb.debian.org or archive.ubuntu.com by the suite
 * @param script     {@code -s}: debootstrap's script argument; null = the suite's own
 * @param options    extra debootstrap options, given before the suite
 * @param insecure   {@code --insecure}: install without verifying the packages' signatures
 * @param searchPath where debootstrap and unshare are looked up
 */
public record DebootstrapMethod(String suite, String mirror, String script, List<String> options, boolean insecure,
                                SearchPath searchPath) implements BuildMethod {
    static final String NAME = "debootstrap";
    static final String USAGE = "-d SUITE [-m MIRROR] [-s SCRIPT] [--insecure] [-- DEBOOTSTRAP-OPTIONS...]";

    static final String DEBIAN_MIRROR = "http://deb.debian.org/debian";
    static final String UBUNTU_MIRROR = "http://archive.ubuntu.com/ubuntu";
    static final String UBUNTU_KEYRING = "usr/share/keyrings/ubuntu-archive-keyring.gpg";
    static final String DEBIAN_KEYRING = "usr/share/keyrings/debian-archive-keyring.gpg";

    /** Suites whose mirror we know; any other needs {@code -m}. */
    static final Set<String> DEBIAN = Set.of("buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
            "oldoldstable", "oldstable", "stable", "testing", "unstable");
    static final Set<String> UBUNTU = Set.of("bionic", "focal", "jammy", "kinetic", "lunar", "mantic", "noble",
            "oracular", "plucky", "questing");

    public DebootstrapMethod {
        options = List.copyOf(options);
    }

    static DebootstrapMethod parse(List<String> words, SearchPath path) throws BuildException {
        MethodArgs args = new MethodArgs(NAME, USAGE, words);
        String suite = null;
        String mirror = null;
        String script = null;
        List<String> options = List.of();
        boolean insecure = false;
        while (args.hasNext()) {
            String w = args.next();
            switch (w) {
                case "-d" -> suite = args.value(w);
                case "-m" -> mirror = args.value(w);
                case "-s" -> script = args.value(w);
                case "--insecure" -> insecure = true;
                case "--" -> options = args.rest();
                default -> throw args.unknown(w);
            }
        }
        if (suite == null) {
            throw args.usage("no suite: give one with -d, e.g. -d bookworm or -d noble");
        }
        if (mirror == null && !DEBIAN.contains(suite) && !UBUNTU.contains(suite)) {
            throw args.usage("unknown suite '" + suite + "': not a Debian or Ubuntu codename this build knows;"
                    + " give its mirror with -m MIRROR");
        }
        if (!insecure && !DEBIAN.contains(suite) && !UBUNTU.contains(suite)
                && options.stream().noneMatch(o -> o.startsWith("--keyring=")))
            throw args.usage("suite '" + suite + "' is neither Debian's nor Ubuntu's: give its keyring"
                    + " (-- --keyring=FILE) so that its packages are verified, or --insecure to install them unverified");
        return new DebootstrapMethod(suite, mirror, script, options, insecure, path);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BuildResult build(BuildRequest req) throws BuildException {
        Path debootstrap = Command.require(NAME, searchPath, "debootstrap", "debootstrap");
        Optional<Path> unshare = searchPath.find("unshare");
        if (unshare.isEmpty()) {
            req.progress().accept("warning: unshare (util-linux) not found: debootstrap runs in the host's mount"
                    + " namespace, and a failure may leave mounts below " + req.vdir());
        }
        GuestTree tree = Skeleton.createRoot(NAME, req.vdir());
        new Command(NAME, searchPath, command(req, debootstrap, unshare, tree.root()), req.progress()).run();
        Skeleton.write(NAME, tree, req, Skeleton.Resolver.FROM_HOST);
        try {
            AptSources.write(tree, suite, mirror != null ? mirror : UBUNTU.contains(suite) ? UBUNTU_MIRROR : DEBIAN_MIRROR,
                    UBUNTU.contains(suite));
        } catch (IOException e) {
            throw BuildException.io(NAME, "write /etc/apt/sources.list into " + tree.root(), e);
        }
        try {
            SysvRc.install(tree);
        } catch (IOException e) {
            throw BuildException.io(NAME, "write " + SysvRc.PATH + " into " + tree.root(), e);
        }
        return new BuildResult(BuildResult.DEFAULT_FSTAB, "sysv", suite);
    }

    /**
     * The command line: {@code [unshare --mount --] debootstrap --variant=minbase [KEYRING] OPTIONS SUITE
     * VDIR MIRROR [SCRIPT]}. A method of its own so tests can check it without a download.
     */
    List<String> command(BuildRequest req, Path debootstrap, Optional<Path> unshare, Path vdir) throws BuildException {
        List<String> argv = new ArrayList<>();
        unshare.ifPresent(u -> argv.addAll(List.of(u.toString(), "--mount", "--")));
        argv.add(debootstrap.toString());
        argv.add("--variant=minbase");
        boolean ubuntu = UBUNTU.contains(suite);
        if (insecure) {
            req.progress().accept("warning: --insecure: the packages of " + suite + " are NOT verified (--no-check-gpg)");
            argv.add("--no-check-gpg");
        } else if (ubuntu || DEBIAN.contains(suite)) {
            // debootstrap would go on unverified, with a warning only, when the keyring is missing
            Path keyring = req.host(ubuntu ? UBUNTU_KEYRING : DEBIAN_KEYRING);
            if (!Files.isRegularFile(keyring))
                throw new BuildException(NAME, keyring + " not found: the packages of " + suite + " cannot be verified;"
                        + " install the Debian package '" + (ubuntu ? "ubuntu-keyring" : "debian-archive-keyring") + "' (apt-get install "
                        + (ubuntu ? "ubuntu-keyring" : "debian-archive-keyring") + "), or build with --insecure to install them unverified");
            argv.add("--keyring=" + keyring);
        }
        argv.addAll(options);
        argv.add(suite);
        argv.add(vdir.toString());
        argv.add(mirror != null ? mirror : ubuntu ? UBUNTU_MIRROR : DEBIAN_MIRROR);
        if (script != null) {
            argv.add(script);
        }
        return argv;
    }
}
