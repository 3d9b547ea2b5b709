package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code -m host}: a working guest in seconds, with nothing downloaded, from the host's installed
 * userland. The host's /usr is shared read-only (an fstab bind line: the launcher mounts it at
 * start); the guest gets its own /etc (a small, consistent copy of the host's), /var, /root,
 * /home and /tmp. This needs a usrmerged host: with /bin, /sbin and /lib links into /usr, sharing
 * /usr shares every program and library; the guest mirrors those links.
 *
 * <p>The guest runs the "sysv" style on a {@link SysvRc} with empty rcN.d directories: the host's
 * /etc/init.d is not copied, so no host daemon starts in a guest. Package management stays the
 * host's: the guest has no dpkg database.
 */
public record HostMethod() implements BuildMethod {
    static final String NAME = "host";

    /** The bind mount that makes the guest: first, so the other mounts find their tools (none need any yet). */
    static final String USR_LINE = "/usr /usr none bind,ro 0 0";

    /** The top-level names usrmerge turns into links; the guest gets the same links as the host. */
    static final List<String> MERGED = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    /**
     * Copied from the host's /etc as they are (links as links: localtime, os-release and the
     * alternatives point into /usr, which the guest shares). Not hosts, hostname, resolv.conf (the
     * {@link Skeleton} writes those), not init.d, rc*.d, systemd or cron (host services), not
     * machine-id, ssh or ssl/private (host identity and keys). A missing entry is skipped.
     */
    static final List<String> ETC = List.of(
            "nsswitch.conf", "host.conf", "services", "protocols", "ethertypes", "networks", "rpc",
            "shells", "login.defs", "profile", "profile.d", "bash.bashrc", "environment", "inputrc",
            "localtime", "timezone", "issue", "issue.net", "os-release", "debian_version",
            "ld.so.conf", "ld.so.conf.d", "ld.so.cache", "alternatives", "skel", "security", "pam.d",
            "pam.conf", "default", "terminfo",
            "ca-certificates.conf", "ssl/openssl.cnf", "ssl/certs");  // TLS clients in /usr read etc/ssl/certs

    /** pam_pwhistory's old password hashes: the same reason as shadow. */
    static final Set<String> NOT_COPIED = Set.of("security/opasswd");

    /** Created like the host's (mode and owner: /var/mail is root:mail 2775 on Debian), else 0755 root. */
    static final List<String> VAR = List.of("var/lib", "var/cache", "var/spool", "var/mail", "var/local", "var/backups");

    /** root's ~/.profile when the host has none. */
    static final String PROFILE = """
            # ~/.profile: written by `vserver build -m host`
            if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then
                . "$HOME/.bashrc"
            fi
            export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            """;

    static HostMethod parse(List<String> words) throws BuildException {
        MethodArgs args = new MethodArgs(NAME, "", words);
        if (args.hasNext()) {
            throw args.usage("takes no arguments, got '" + args.next() + "'");
        }
        return new HostMethod();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BuildResult build(BuildRequest req) throws BuildException {
        List<Link> links = mergedLinks(req.hostRoot());      // refuse before touching the vdir
        GuestTree tree = Skeleton.createRoot(NAME, req.vdir());
        Skeleton.write(NAME, tree, req, Skeleton.Resolver.FROM_HOST);
        try {
            for (Link l : links) {
                if (!tree.symlinkIfAbsent(l.name(), l.target()) && !Files.isSymbolicLink(tree.resolve(l.name()))) {
                    // an existing vdir (--i-know-its-there): its own /bin would hide the host's programs
                    req.progress().accept("warning: " + tree.resolve(l.name()) + " exists and is not a link to "
                            + l.target() + "; left as it is");
                }
            }
            req.progress().accept("copying a minimal /etc from " + req.host("etc"));
            copyEtc(tree, req.hostRoot());
            accounts(tree, req.hostRoot());
            for (String dir : VAR) {
                mkdirLikeHost(tree, req.hostRoot(), dir);
            }
            rootProfile(tree, req.hostRoot());
            SysvRc.install(tree);
        } catch (IOException e) {
            throw BuildException.io(NAME, "build the guest from the host into " + tree.root(), e);
        }
        List<String> fstab = new ArrayList<>();
        fstab.add(USR_LINE);
        fstab.addAll(BuildResult.DEFAULT_FSTAB);
        return new BuildResult(fstab, "sysv", "host");
    }

    /** A usrmerge link of the host, e.g. bin -> usr/bin, copied verbatim. */
    record Link(String name, String target) {}

    /**
     * The host's /bin, /sbin, /lib... links. Each one present must be a link into /usr: a real
     * directory would hold programs the guest, which gets only /usr, could not see.
     */
    static List<Link> mergedLinks(Path hostRoot) throws BuildException {
        List<Link> links = new ArrayList<>();
        for (String name : MERGED) {
            Path p = hostRoot.resolve(name);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                if (name.equals("bin")) {
                    throw notMerged(p + " does not exist");
                }
                continue;
            }
            if (!Files.isSymbolicLink(p)) {
                throw notMerged(p + " is a directory, not a link to usr/" + name);
            }
            String target;
            try {
                target = Files.readSymbolicLink(p).toString();
            } catch (IOException e) {
                throw BuildException.io(NAME, "readlink " + p, e);
            }
            if (!target.replaceFirst("^/", "").equals("usr/" + name)) {
                throw notMerged(p + " is a link to " + target + ", not to usr/" + name);
            }
            links.add(new Link(name, target));
        }
        return links;
    }

    private static BuildException notMerged(String why) {
        return new BuildException(NAME, "the host method needs a usrmerged host (/bin, /sbin, /lib links into"
                + " /usr, which the guest shares): " + why + "; merge the host (Debian: apt-get install usrmerge)"
                + " or use -m debootstrap or -m template");
    }

    private static void copyEtc(GuestTree tree, Path hostRoot) throws IOException {
        tree.mkdirs("etc/ssl", 0755);
        for (String entry : ETC) {
            Path from = hostRoot.resolve("etc").resolve(entry);
            if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                tree.copyIn(from, "etc/" + entry, below -> NOT_COPIED.contains(entry + "/" + below));
            }
        }
    }

    /**
     * passwd and group as they are (the same ids as the host, so the shared /usr's owners make
     * sense), shadow and gshadow locked, with the host's modes and owners (root:shadow 0640).
     */
    private static void accounts(GuestTree tree, Path hostRoot) throws IOException {
        for (String name : new String[] {"passwd", "group", "shadow", "gshadow"}) {
            Path from = hostRoot.resolve("etc").resolve(name);
            if (!Files.isRegularFile(from)) {
                if (name.equals("passwd") || name.equals("group")) {
                    throw new NoSuchFileException(from.toString(), null,
                            "the host method copies the host's accounts");
                }
                continue;                     // no shadow on this host: nothing to lock
            }
            String text = Files.readString(from, StandardCharsets.UTF_8);
            String locked = switch (name) {
                case "passwd" -> LockedPasswords.passwd(text);
                case "shadow", "gshadow" -> LockedPasswords.shadow(text);
                default -> text;
            };
            String rel = "etc/" + name;
            tree.write(rel, locked.getBytes(StandardCharsets.UTF_8), mode(from) & 0777);
            tree.chown(rel, 0, (Integer) Files.getAttribute(from, "unix:gid"));
        }
    }

    private static void mkdirLikeHost(GuestTree tree, Path hostRoot, String rel) throws IOException {
        Path host = hostRoot.resolve(rel);
        boolean existed = tree.exists(rel);
        if (!Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
            tree.mkdirs(rel, 0755);
            return;
        }
        tree.mkdirs(rel, mode(host) & 07777);
        if (!existed) {
            tree.chown(rel, (Integer) Files.getAttribute(host, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    (Integer) Files.getAttribute(host, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            GuestTree.chmod(tree.resolve(rel), mode(host) & 07777);  // chown(2) clears setgid
        }
    }

    /**
     * root's dotfiles come from the distribution's /etc/skel, never from the host's /root: the
     * host admin's own files are theirs (and may hold secrets).
     */
    private static void rootProfile(GuestTree tree, Path hostRoot) throws IOException {
        for (String f : new String[] {".profile", ".bashrc"}) {
            Path skel = hostRoot.resolve("etc/skel").resolve(f);
            if (Files.isRegularFile(skel, LinkOption.NOFOLLOW_LINKS)) tree.copyIn(skel, "root/" + f, below -> false);
        }
        if (!tree.exists("root/.profile")) tree.write("root/.profile", PROFILE.getBytes(StandardCharsets.US_ASCII), 0644);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
