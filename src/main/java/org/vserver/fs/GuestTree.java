package org.vserver.fs;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A guest's root directory as the guest will see it, for writing into during a build.
 *
 * <p>A rootfs from a template, a clone or a mirror is not trusted: a link like {@code etc -> /etc}
 * would make a naive {@code Files.write(vdir.resolve("etc/hostname"))} land in the host's /etc. So
 * every path is walked one component at a time with lstat, and links are followed here, never by
 * the kernel:
 * <ul>
 * <li>an absolute target starts again at the guest root, which is what the guest sees after
 *     pivot_root;</li>
 * <li>a relative target that climbs above the guest root is refused;</li>
 * <li>the target must already exist as a directory: nothing is ever created at the far end of a
 *     link, so a link to a place that exists only on the host ({@code etc -> /srv/x}) is refused
 *     instead of being quietly re-rooted.</li>
 * </ul>
 * The path handed to the kernel then names only real directories, and the last component is never
 * followed: files are written to a temporary name and renamed over it, which replaces a link or a
 * hard link instead of writing through it. Builds run before the guest does, so nothing in the
 * guest can swap a directory for a link between the check and the write.
 *
 * <p>A directory the build makes is never the guest root itself through a link ({@code tmp -> /},
 * {@code run -> ..}), and a directory the launcher mounts on at every start ({@link #mountPoint})
 * is no link at all: the launcher refuses a link there, and would have mounted over the host's
 * root through {@code tmp -> /} before it did (runc's CVE-2021-30465).
 */
final class GuestTree {
    /** MAXSYMLINKS: the kernel gives up after 40 links in one lookup, so do we. */
    private static final int MAX_LINKS = 40;

    private final Path root;

    private GuestTree(Path root) {
        this.root = root;
    }

    /** The tree below an existing vdir; the vdir's own path is resolved on the host (the admin's links). */
    static GuestTree of(Path vdir) throws IOException {
        return new GuestTree(vdir.toRealPath());
    }

    /** The vdir, links resolved. */
    Path root() {
        return root;
    }

    /** The host path of {@code rel}: its directories resolved as in the guest, its last component not followed. */
    Path resolve(String rel) throws IOException {
        return walk(rel, false);
    }

    /** {@code rel} followed to the end as in the guest; empty if it, or a link on the way, leads nowhere. */
    Optional<Path> follow(String rel) {
        try {
            Path p = walk(rel, true);
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Optional.of(p) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** True if something (a link included) is at {@code rel}; a refused or missing parent counts as absent. */
    boolean exists(String rel) {
        try {
            return Files.exists(walk(rel, false), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes {@code rel} a directory, with its missing parents (0755). An existing directory, or a
     * link to one inside the guest, is left as it is, mode included: the rootfs's author chose it.
     */
    void mkdirs(String rel, int mode) throws IOException {
        List<String> names = split(rel);
        for (int i = 1; i <= names.size(); i++) {
            mkdir(String.join("/", names.subList(0, i)), i == names.size() ? mode : 0755);
        }
    }

    /**
     * {@link #mkdirs}, for a directory the launcher mounts on at every start (dev, proc, sys, tmp):
     * it must be a directory of its own, not a link. A link there is refused, not replaced: it is
     * the source's or the template's, the admin decides what it should be, and the launcher would
     * refuse to start the guest anyway (it never mounts through a link).
     */
    void mountPoint(String rel, int mode) throws IOException {
        Path p = walk(rel, false);
        BasicFileAttributes a = lstat(p);
        if (a != null && a.isSymbolicLink()) {
            throw new FileSystemException(p.toString(), null, "a link to " + Files.readSymbolicLink(p) + " where the guest"
                    + " mounts /" + String.join("/", split(rel)) + " at every start; the launcher never mounts through a"
                    + " link (it could lead to the host's /): replace the link with a directory");
        }
        mkdirs(rel, mode);
    }

    private void mkdir(String rel, int mode) throws IOException {
        Path p = walk(rel, false);
        BasicFileAttributes a = lstat(p);
        if (a == null) {
            Files.createDirectory(p);
            chmod(p, mode);                 // explicit: the umask must not decide, and 1777 needs the sticky bit
        } else if (a.isSymbolicLink()) {
            Path target = walk(rel, true);  // refuses links that leave the guest
            if (target.equals(root)) {
                throw new FileSystemException(p.toString(), null, "a link to " + Files.readSymbolicLink(p)
                        + ", which is the guest's root itself; replace the link with a directory");
            }
            BasicFileAttributes t = lstat(target);
            if (t == null || !t.isDirectory()) {
                throw new FileSystemException(p.toString(), null, "a link to " + Files.readSymbolicLink(p)
                        + ", which is not a directory inside the guest; replace the link with a directory");
            }
        } else if (!a.isDirectory()) {
            throw new FileSystemException(p.toString(), null, "exists and is not a directory");
        }
    }

    /**
     * Writes {@code rel} with {@code data} and exactly {@code mode}: to a temporary file in the same
     * directory, then rename(2) over the old name, so an existing link (or hard link) there is
     * replaced, never written through.
     */
    void write(String rel, byte[] data, int mode) throws IOException {
        Path p = walk(rel, false);
        BasicFileAttributes a = lstat(p);
        if (a != null && a.isDirectory()) {
            throw new FileSystemException(p.toString(), null, "is a directory, expected a file");
        }
        Path tmp = p.resolveSibling("." + p.getFileName() + ".vserver-build");
        Files.deleteIfExists(tmp);          // a leftover of an interrupted build; unlink does not follow links
        Files.write(tmp, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            chmod(tmp, mode);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** symlink(2) {@code rel -> target} unless something is already there; true if it made the link. */
    boolean symlinkIfAbsent(String rel, String target) throws IOException {
        Path p = walk(rel, false);
        if (lstat(p) != null) {
            return false;
        }
        Files.createSymbolicLink(p, Path.of(target));
        return true;
    }

    /** Sets owner and group of {@code rel} itself (lchown: a link is not followed). */
    void chown(String rel, int uid, int gid) throws IOException {
        Path p = walk(rel, false);
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Copies a host file, link or directory tree to {@code rel}, as {@code cp -a} would: links as
     * links, modes, owners and times kept; sockets, fifos and devices skipped. Existing directories
     * are merged into, existing files and links replaced.
     *
     * @param skip relative paths below {@code rel} (e.g. "opasswd") not to copy
     */
    void copyIn(Path source, String rel, Predicate<String> skip) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String below = source.relativize(dir).toString();
                if (!below.isEmpty() && skip.test(below)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Path to = walk(join(rel, below), false);
                BasicFileAttributes a = lstat(to);
                if (a == null) {
                    Files.copy(dir, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                } else if (!a.isDirectory()) {
                    throw new FileSystemException(to.toString(), null, "exists and is not a directory");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String below = source.relativize(file).toString();
                if (attrs.isOther() || skip.test(below)) {
                    return FileVisitResult.CONTINUE;
                }
                Path to = walk(join(rel, below), false);
                Files.copy(file, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES,
                        StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
    }

    /**
     * The lookup itself. {@code at} holds the names of real directories below the root, never a
     * link, so ".." is just "drop the last name". A link's target is pushed in front of what is
     * left to walk; an absolute one clears {@code at} (back to the guest root).
     */
    private Path walk(String rel, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>(split(rel));
        List<String> at = new ArrayList<>();
        String via = null;                  // the last link followed, for the message
        int links = 0;
        while (!todo.isEmpty()) {
            String name = todo.removeFirst();
            if (name.equals("..")) {
                if (at.isEmpty()) {
                    throw new FileSystemException(root.resolve(rel).toString(), null,
                            (via == null ? "'..'" : "link " + via) + " climbs above the guest root;"
                            + " the build does not write outside the vdir");
                }
                at.removeLast();
                continue;
            }
            Path p = path(at).resolve(name);
            boolean last = todo.isEmpty();
            BasicFileAttributes a = lstat(p);
            if (a != null && a.isSymbolicLink() && (!last || followLast)) {
                if (++links > MAX_LINKS) {
                    throw new FileSystemException(root.resolve(rel).toString(), null,
                            "more than " + MAX_LINKS + " links (a loop?), last " + via);
                }
                String target = Files.readSymbolicLink(p).toString();
                via = root.relativize(p) + " -> " + target;
                if (target.startsWith("/")) {
                    at.clear();
                }
                List<String> names = split(target);
                for (int i = names.size() - 1; i >= 0; i--) {
                    todo.addFirst(names.get(i));
                }
                continue;
            }
            if (!last && (a == null || !a.isDirectory())) {
                String why = a == null ? "no such directory" : "not a directory";
                if (via != null) {
                    throw new FileSystemException(root.resolve(rel).toString(), null, "link " + via
                            + " resolves, inside the guest, to " + p + ": " + why + "; the build writes only"
                            + " through links to existing directories inside the guest: replace the link with a directory");
                }
                throw a == null ? new NoSuchFileException(p.toString()) : new NotDirectoryException(p.toString());
            }
            at.add(name);
        }
        return path(at);
    }

    private Path path(List<String> names) {
        Path p = root;
        for (String n : names) {
            p = p.resolve(n);
        }
        return p;
    }

    /** Path components, without empty ones and "."; ".." is kept for {@link #walk} to judge. */
    private static List<String> split(String path) {
        List<String> names = new ArrayList<>();
        for (String n : path.split("/")) {
            if (!n.isEmpty() && !n.equals(".")) {
                names.add(n);
            }
        }
        return names;
    }

    private static String join(String rel, String below) {
        return below.isEmpty() ? rel : rel + "/" + below;
    }

    /** lstat(2), or null if nothing is there. */
    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** chmod(2) with the whole mode word: PosixFilePermission cannot express setuid, setgid or sticky. */
    static void chmod(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }
}
