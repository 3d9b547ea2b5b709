package org.vserver.tag;

import org.vserver.config.GuestRanges;
import org.vserver.config.IdKind;
import org.vserver.config.IdRange;

/**
 * Whose a file's uid (or gid) is: the tag VServer's kernel kept in the inode, read back from the
 * id itself. A guest in its own user namespace writes its files with host ids of its range, so the
 * range holding an id names the guest; an id below {@link IdRange#FIRST_GUEST_HOST_ID} is the
 * host's own (a guest's root tree on disk, idmapped at start, is one too); an id above that in no
 * guest's range belongs to nobody we know (a deleted guest's range, another user's subordinate ids).
 */
public sealed interface IdOwner {

    /** What the id is to its owner: the host's id itself, the guest's own id, or the raw host id. */
    long ownId();

    /** One of the host's own ids, below 65536. */
    record Host(long ownId) implements IdOwner {}

    /** Guest {@code name} (its directory name) holds the id as its own id {@code ownId}. */
    record Guest(String name, long ownId) implements IdOwner {}

    /** A host id of 65536 or above in no guest's range. */
    record Stray(long ownId) implements IdOwner {}

    /** Who holds host id {@code hostId} of {@code kind}. */
    static IdOwner of(GuestRanges ranges, IdKind kind, long hostId) {
        if (hostId < IdRange.FIRST_GUEST_HOST_ID) return new Host(hostId);
        return switch (ranges.owner(kind, hostId)) {
            case GuestRanges.Guest g -> new Guest(g.guest(), g.guestId());
            case GuestRanges.Host h -> new Stray(hostId);
        };
    }
}
