package org.vserver.storage;

import java.nio.file.Path;

/**
 * Where a guest's storage lives: next to its root, on the root's own filesystem, so that a rename
 * moves a tree into place and the content-hash store can hard-link into it.
 *
 * <pre>
 * BASE/NAME                 the guest's root: a plain tree, or the empty mount point of its overlay
 * BASE/.lower/ID/           read-only lower trees (files hard-linked into the store); shared by clones
 * BASE/.private/NAME/lower  -> ../../.lower/ID: which lower tree the guest sees (its presence makes it layered)
 * BASE/.private/NAME/layer  the private layer: upper/ and work/ (a directory, the mount point of
 *                           disk.img, or a btrfs subvolume with a qgroup limit)
 * BASE/.private/NAME/disk.img  the loop-backed ext4 image of a guest with a disk limit
 * BASE/.private/NAME/backend   "loop" or "btrfs": what holds the private layer (none: a directory)
 * BASE/.hash/               the default content-hash store
 * </pre>
 * BASE is vdirbase, mode 000 (the barrier): no host user reaches any of it.
 */
public record StorageLayout(Path base, String name) {
    public static final String LOWERS = ".lower", PRIVATE = ".private", HASH = ".hash";

    /** The layout of the guest whose root is {@code vdir}. */
    public static StorageLayout of(Path vdir) {
        Path abs = vdir.toAbsolutePath().normalize();
        return new StorageLayout(abs.getParent(), abs.getFileName().toString());
    }

    public Path root() { return base.resolve(name); }

    public Path privateDir() { return base.resolve(PRIVATE).resolve(name); }

    public Path lowerLink() { return privateDir().resolve("lower"); }

    public Path layer() { return privateDir().resolve("layer"); }

    public Path upper() { return layer().resolve("upper"); }

    public Path work() { return layer().resolve("work"); }

    public Path image() { return privateDir().resolve("disk.img"); }

    /** Names the private layer's backend, so that a missing image is missing, not a directory backend. */
    public Path backendFile() { return privateDir().resolve("backend"); }

    public Path lowers() { return base.resolve(LOWERS); }

    public Path lower(String id) { return lowers().resolve(id); }

    public Path defaultHashDir() { return base.resolve(HASH); }

    /** The link text of {@link #lowerLink()} for lower tree {@code id}: relative, so a moved vdirbase keeps working. */
    public static String lowerLinkText(String id) { return "../../" + LOWERS + "/" + id; }
}
