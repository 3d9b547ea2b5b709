package org.vserver.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Reads a guest's storage from disk, and turns a plain guest into a layered one.
 *
 * <p>The conversion is crash-safe: the lower link is written before the tree moves, and a guest is
 * layered from the moment the link exists. {@link #read} finishes a conversion that was cut off
 * (the tree not moved yet, or the mount point not made yet), so a kill -9 at any moment leaves a
 * guest that is either as it was or layered, with all its files.
 */
public final class Layering {
    private Layering() {}

    /** The guest's storage, finishing an interrupted conversion first. */
    public static GuestStorage read(StorageLayout l) throws IOException {
        Optional<String> id = lowerId(l);
        if (id.isEmpty()) return new GuestStorage.Plain(l.root());
        Path lower = l.lower(id.get());
        if (!Files.isDirectory(lower, LinkOption.NOFOLLOW_LINKS)) {
            if (isNonEmptyDir(l.root())) moveTree(l, id.get());       // cut off before the tree moved
            else throw new IOException("lower tree " + lower + " of guest '" + l.name() + "' is missing (named by "
                    + l.lowerLink() + "): restore it from a backup, or delete the guest");
        }
        if (!Files.isDirectory(l.root(), LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(l.root());   // cut off before the mount point
        return new GuestStorage.Layered(l, id.get(), backend(l));
    }

    /** The lower tree's id the guest's link names, if it is layered. */
    public static Optional<String> lowerId(StorageLayout l) throws IOException {
        if (!Files.isSymbolicLink(l.lowerLink())) return Optional.empty();
        String text = Files.readSymbolicLink(l.lowerLink()).toString();
        String prefix = StorageLayout.lowerLinkText("");
        if (!text.startsWith(prefix) || text.length() == prefix.length() || text.substring(prefix.length()).contains("/"))
            throw new IOException(l.lowerLink() + " -> " + text + ": not a lower tree of this vdirbase (expected "
                    + prefix + "ID); restore the link or delete the guest");
        return Optional.of(text.substring(prefix.length()));
    }

    /** What holds the private layer: its {@code backend} file says, a directory without one. */
    static GuestStorage.Backend backend(StorageLayout l) throws IOException {
        if (!Files.exists(l.backendFile(), LinkOption.NOFOLLOW_LINKS)) return new GuestStorage.Directory();
        String name = Files.readString(l.backendFile()).strip();
        return switch (name) {
            case "loop" -> new GuestStorage.LoopImage(l.image());
            case "btrfs" -> new GuestStorage.BtrfsSubvolume();
            default -> throw new IOException(l.backendFile() + ": unknown backend '" + name + "' (loop or btrfs)");
        };
    }

    /** Records the private layer's backend ({@link #backend}); null: a plain directory. */
    public static void recordBackend(StorageLayout l, GuestStorage.Backend b) throws IOException {
        if (b == null || b instanceof GuestStorage.Directory) {
            Files.deleteIfExists(l.backendFile());
            return;
        }
        Path tmp = l.backendFile().resolveSibling("backend.tmp");
        Files.writeString(tmp, b.label() + "\n");
        Files.move(tmp, l.backendFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A btrfs subvolume's root directory has inode 256 (BTRFS_FIRST_FREE_OBJECTID). */
    public static boolean isBtrfsSubvolume(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        return "btrfs".equals(Files.getFileStore(dir).type())
                && ((Number) Files.getAttribute(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue() == 256;
    }

    /**
     * Makes a plain guest layered: its tree becomes a new lower tree, its root an empty mount point,
     * its private layer empty. The guest must be stopped (the caller holds its lock). Its private
     * layer directory must already exist (a directory, or a btrfs subvolume the caller made).
     *
     * @return the new lower tree's id
     */
    public static String convert(StorageLayout l) throws IOException {
        if (lowerId(l).isPresent()) throw new IllegalStateException(l.name() + " is layered already");
        if (!Files.isDirectory(l.root(), LinkOption.NOFOLLOW_LINKS))
            throw new IOException("guest root " + l.root() + " does not exist: build the guest first");
        Object rootDev = Files.getAttribute(l.root(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
        Object baseDev = Files.getAttribute(l.base(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
        if (!rootDev.equals(baseDev))
            throw new IOException("guest root " + l.root() + " is a mount point (another filesystem than " + l.base()
                    + "): its tree cannot move into " + l.lowers() + "; unmount it, or copy the guest into a plain directory");
        createPrivate(l.base().resolve(StorageLayout.PRIVATE));
        createPrivate(l.privateDir());
        createPrivate(l.lowers());
        String id = l.name() + "-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
        Files.createSymbolicLink(l.lowerLink(), Path.of(StorageLayout.lowerLinkText(id)));
        moveTree(l, id);
        return id;
    }

    /** Moves the guest's tree to lower tree {@code id} and leaves an empty mount point, mode 0755. */
    private static void moveTree(StorageLayout l, String id) throws IOException {
        Files.move(l.root(), l.lower(id), StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.createDirectory(l.root(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (FileAlreadyExistsException raced) {
            // made meanwhile: the mount point is there
        }
    }

    /** A directory only root may enter: under the barrier anyway, and shown so in listings. */
    public static void createPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) throw raced;
        }
    }

    private static boolean isNonEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }
}
