package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What every build method leaves in a guest, whatever filled it: util-vserver's
 * {@code base.initFilesystem} (reference §7.1) minus what the launcher now does at each start.
 * No device nodes: the launcher mounts a fresh tmpfs on /dev, so dev/ stays an empty mount point
 * (a template's or debootstrap's nodes are left where they are, hidden under that tmpfs).
 * Every write goes through {@link GuestTree}, so a hostile rootfs cannot redirect it to the host.
 */
final class Skeleton {

    /**
     * A directory the guest needs, and its mode when the build creates it (an existing one keeps its
     * own); a mount point is one the launcher mounts on at every start, so no link may stand there.
     */
    record Dir(String path, int mode, boolean mountPoint) {
        Dir(String path, int mode) {
            this(path, mode, false);
        }
    }

    /** In creation order: parents first. tmp: every default fstab mounts a tmpfs there. */
    static final List<Dir> DIRECTORIES = List.of(
            new Dir("dev", 0755, true),
            new Dir("proc", 0555, true),
            new Dir("sys", 0555, true),
            new Dir("tmp", 01777, true),
            new Dir("etc", 0755),
            new Dir("root", 0700),
            new Dir("home", 0755),
            new Dir("usr", 0755),
            new Dir("run", 0755),
            new Dir("run/lock", 01777),
            new Dir("var", 0755),
            new Dir("var/tmp", 01777),
            new Dir("var/log", 0755));

    /** A link the guest needs, made only where nothing is (Debian's own /var/run -> /run is as good). */
    record Link(String path, String target) {}

    static final List<Link> LINKS = List.of(
            new Link("var/run", "../run"),
            new Link("var/lock", "../run/lock"),
            new Link("etc/mtab", "../proc/self/mounts"));  // mount(8) and df read it; the kernel keeps it true

    /** RFC 1123 labels: letters, digits and inner hyphens, dot-separated; no newline reaches etc/hosts. */
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    /** What to do with a resolv.conf already in the rootfs. */
    enum Resolver {
        /** write the host's: the rootfs is new or comes from the host anyway */
        FROM_HOST,
        /** keep a non-empty one: a template or a cloned guest may have its own name servers */
        KEEP_GUEST
    }

    private Skeleton() {}

    /** mkdir -p the vdir (0755 when created) and return it as a tree to write into. */
    static GuestTree createRoot(String method, Path vdir) throws BuildException {
        try {
            if (!Files.isDirectory(vdir)) {
                Files.createDirectories(vdir);
                GuestTree.chmod(vdir, 0755);
            }
            return GuestTree.of(vdir);
        } catch (IOException e) {
            throw BuildException.io(method, "create the guest root " + vdir, e);
        }
    }

    /** The directories, links, etc/hostname, etc/hosts and etc/resolv.conf. */
    static void write(String method, GuestTree tree, BuildRequest req, Resolver resolver) throws BuildException {
        String hostname = req.hostname();
        if (!HOSTNAME.matcher(hostname).matches()) {
            throw new BuildException(method, "invalid hostname '" + hostname + "': use letters, digits, '-' and"
                    + " '.' (RFC 1123), e.g. --hostname " + req.name().replaceAll("[^A-Za-z0-9-]", "-"));
        }
        req.progress().accept("writing the skeleton into " + tree.root());
        try {
            for (Dir d : DIRECTORIES) {
                if (d.mountPoint()) {
                    tree.mountPoint(d.path(), d.mode());
                } else {
                    tree.mkdirs(d.path(), d.mode());
                }
            }
            for (Link l : LINKS) {
                tree.symlinkIfAbsent(l.path(), l.target());
            }
            tree.write("etc/hostname", (hostname + "\n").getBytes(StandardCharsets.US_ASCII), 0644);
            tree.write("etc/hosts", hosts(hostname).getBytes(StandardCharsets.US_ASCII), 0644);
            resolvConf(tree, req, resolver);
        } catch (IOException e) {
            throw BuildException.io(method, "write the skeleton into " + tree.root(), e);
        }
    }

    /** Debian's layout: the name on 127.0.1.1, so it resolves without a network; FQDN first, then the short name. */
    static String hosts(String hostname) {
        int dot = hostname.indexOf('.');
        String names = dot > 0 ? hostname + " " + hostname.substring(0, dot) : hostname;
        return """
                127.0.0.1\tlocalhost
                127.0.1.1\t%s
                ::1\tlocalhost ip6-localhost ip6-loopback
                ff02::1\tip6-allnodes
                ff02::2\tip6-allrouters
                """.formatted(names);
    }

    /**
     * The host's resolv.conf contents (reference §2.2: "falls back to the host's"). The contents,
     * not the link: on the host it is often a link into /run that the guest does not have.
     */
    private static void resolvConf(GuestTree tree, BuildRequest req, Resolver resolver) throws IOException {
        Path host = req.host("etc/resolv.conf");
        if (!Files.isRegularFile(host)) {     // absent, or a dangling link (resolved not running)
            req.progress().accept("the host has no " + host + "; the guest gets none");
            return;
        }
        if (resolver == Resolver.KEEP_GUEST) {
            Path guest = tree.follow("etc/resolv.conf").orElse(null);
            if (guest != null && Files.isRegularFile(guest) && Files.size(guest) > 0) {
                return;
            }
        }
        tree.write("etc/resolv.conf", Files.readAllBytes(host), 0644);
    }
}
