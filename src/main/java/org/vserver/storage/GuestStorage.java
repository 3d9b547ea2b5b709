package org.vserver.storage;

import java.nio.file.Path;

/**
 * How a guest's root is made at start.
 * <ul>
 * <li>{@link Plain}: its directory, bound (idmapped in a user namespace) onto itself;</li>
 * <li>{@link Layered}: an overlayfs of a read-only lower tree (shared, its files hard-linked into
 *     the content-hash store) and the guest's private layer, which takes every write: a write to
 *     a shared file copies it up (VServer's COW link breaking), unlink and rename leave whiteouts.
 *     The private layer's {@link Backend} enforces the guest's disk limit.</li>
 * </ul>
 */
public sealed interface GuestStorage {

    /** The guest's root directory (the overlay's mount point for a layered guest). */
    Path root();

    record Plain(Path root) implements GuestStorage {}

    /**
     * @param layout  where its parts are
     * @param lowerId the lower tree's name under {@code .lower/}
     * @param backend what holds the private layer
     */
    record Layered(StorageLayout layout, String lowerId, Backend backend) implements GuestStorage {
        @Override
        public Path root() { return layout.root(); }

        public Path lower() { return layout.lower(lowerId); }
    }

    /** What holds a layered guest's private layer ({@link StorageLayout#layer()}). */
    sealed interface Backend {
        /** Its name in status and vserver-stat. */
        String label();
    }

    /** A plain directory: no limit. */
    record Directory() implements Backend {
        public String label() { return "directory"; }
    }

    /** A sparse loop-backed ext4 image, mounted on the private layer while the guest runs. */
    record LoopImage(Path image) implements Backend {
        public String label() { return "loop"; }
    }

    /** A btrfs subvolume with a qgroup limit. */
    record BtrfsSubvolume() implements Backend {
        public String label() { return "btrfs"; }
    }
}
