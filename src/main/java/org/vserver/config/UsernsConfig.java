package org.vserver.config;

import java.util.Optional;

/**
 * {@code userns/} of the guest: its own user namespace, mapping guest ids 0..COUNT-1 to a range of
 * host ids ({@link UsernsFiles}).
 *
 * @param uid      {@code userns/uidmap}; empty = not allocated yet ({@link UsernsAllocator} does it)
 * @param gid      {@code userns/gidmap}; likewise
 * @param disabled {@code userns/disabled} exists: the guest runs without a user namespace, its root
 *                 is the host's uid 0 (warned at start); the ranges, if any, stay reserved
 * @param shifted  {@code userns/shifted} exists: the guest's files were shifted once to host ids of
 *                 its range (its filesystem refuses idmapped mounts), so its root is bound plainly
 */
public record UsernsConfig(Optional<IdRange> uid, Optional<IdRange> gid, boolean disabled, boolean shifted) {
    /** A guest with no {@code userns/} files: a user namespace, ranges still to allocate. */
    public static final UsernsConfig NONE = new UsernsConfig(Optional.empty(), Optional.empty(), false);

    /** A guest whose files were not shifted (its root is idmapped, or it runs without a user namespace). */
    public UsernsConfig(Optional<IdRange> uid, Optional<IdRange> gid, boolean disabled) { this(uid, gid, disabled, false); }

    public Optional<IdRange> range(IdKind kind) { return kind == IdKind.UID ? uid : gid; }
}
