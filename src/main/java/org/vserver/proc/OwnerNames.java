package org.vserver.proc;

import java.util.Optional;

/**
 * Who owns a process, as vps and vtop show it. The kernel and ps speak host ids; a guest in its
 * own user namespace runs as a range of them (guest id 0 is the range's first host id), and its
 * users are named by its own /etc/passwd, which the host's does not know. So a host id in a
 * guest's range is shown as that guest shows it: its name there, else the guest's own number,
 * never the host id. Every other id keeps the host's name.
 */
public interface OwnerNames {
    /** User ids (passwd) or group ids (group). */
    enum Kind { USER, GROUP }

    /**
     * A host id as its guest knows it.
     *
     * @param guest the guest whose range holds it (its directory name)
     * @param id    the guest's own id (host id minus the range's first host id)
     * @param name  the guest's name for it, else {@code id} as text
     */
    record GuestId(String guest, long id, String name) {}

    /** The guest whose range holds {@code hostId}, and what that guest calls it; empty for a host id. */
    Optional<GuestId> ofGuest(Kind kind, long hostId);

    /** The host's name of a host id, else its number. */
    String ofHost(Kind kind, long hostId);

    /** What to show as the owner's name: the guest's view for a guest's id, the host's otherwise. */
    default String name(Kind kind, long hostId) {
        return ofGuest(kind, hostId).map(GuestId::name).orElseGet(() -> ofHost(kind, hostId));
    }

    /** The host's names only, no guest ranges: where no guest has a user namespace (and in tests). */
    static OwnerNames host(UserNames users, UserNames groups) {
        return new OwnerNames() {
            @Override public Optional<GuestId> ofGuest(Kind kind, long hostId) { return Optional.empty(); }
            @Override public String ofHost(Kind kind, long hostId) { return (kind == Kind.USER ? users : groups).of(hostId); }
        };
    }
}
