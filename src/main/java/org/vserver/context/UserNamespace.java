package org.vserver.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vserver.config.GuestConfig;
import org.vserver.config.IdRange;
import org.vserver.kernel.Namespace;
import org.vserver.plan.Step.UsernsCreate;
import org.vserver.proc.ProcIdMaps;

/**
 * A guest's own user namespace (doc/userns.md): guest ids 0..COUNT-1 are the host ids of its
 * ranges. The launcher creates it before the clone, through a holder, together with the guest's
 * network namespace, which must belong to it (binding port 80 and the per-netns sysctls are checked
 * against the netns's owner). Every other namespace belongs to the host, so the guest can never
 * mount, whatever capabilities it holds inside; the guest joins its user namespace last, after the
 * host has mounted everything.
 *
 * <p>What the host creates for the guest (its /dev, tmpfs mounts, device nodes) carries the guest's
 * host ids, so guest root owns it: mount options like {@code uid=} are read in the mounter's user
 * namespace, the host's.
 */
public record UserNamespace(IdRange uid, IdRange gid) {
    /** The fd the launcher keeps the user namespace at; the guest's netns, if it gets one, follows. */
    public static final int FD = StartPlanner.FIRST_FOREIGN_FD;

    /** The guest's, or empty for a guest with {@code userns/disabled}. */
    public static Optional<UserNamespace> of(GuestConfig cfg) {
        if (!cfg.userns().disabled() && !allocated(cfg))
            throw new IllegalStateException("guest " + cfg.name() + " has no userns/uidmap or userns/gidmap yet: they are allocated at start");
        return planned(cfg);
    }

    /** Whether the guest's files name both of its ranges. */
    public static boolean allocated(GuestConfig cfg) {
        return cfg.userns().uid().isPresent() && cfg.userns().gid().isPresent();
    }

    /** The guest's as a start now would make it, or empty while its ranges are not allocated yet (debug plans). */
    public static Optional<UserNamespace> planned(GuestConfig cfg) {
        var u = cfg.userns();
        return u.disabled() || !allocated(cfg) ? Optional.empty() : Optional.of(new UserNamespace(u.uid().get(), u.gid().get()));
    }

    /** The namespace a running guest's init is in ({@code /proc/PID/uid_map}), or empty for the host's. */
    public static Optional<UserNamespace> of(Optional<ProcIdMaps> maps) {
        return maps.map(m -> new UserNamespace(m.uid(), m.gid()));
    }

    /** The launcher's holder: the user namespace with its maps, and {@code owned} (the netns) inside it. */
    public UsernsCreate create(Set<Namespace> owned) {
        // No user namespace inside it: the seccomp filter refuses clone/unshare(CLONE_NEWUSER) as well,
        // and the limit holds where the filter is off (seccomp/disabled); raising it needs CAP_SYS_RESOURCE.
        return new UsernsCreate(FD, UsernsCreate.mapLine(0, uid.hostFirst(), uid.count()),
                UsernsCreate.mapLine(0, gid.hostFirst(), gid.count()), owned, 0);
    }

    /** The host uid of guest uid {@code guestUid}. */
    public int hostUid(long guestUid) { return (int) (uid.hostFirst() + guestUid); }

    /** The host gid of guest gid {@code guestGid}. */
    public int hostGid(long guestGid) { return (int) (gid.hostFirst() + guestGid); }

    /**
     * Mount options of a filesystem the host mounts for the guest (tmpfs, devpts), with its ids
     * shifted into the guest's range: {@code uid=N}/{@code gid=N} become the guest's N. With
     * {@code ownRoot} (tmpfs: the options name the owner of its root directory) a missing one makes
     * the root the guest root's; devpts's name the owner of new ptys instead, whose default (the
     * opener) is right. Other options pass as they are.
     */
    public String shiftIds(String data, boolean ownRoot) {
        List<String> out = new ArrayList<>();
        boolean hasUid = false, hasGid = false;
        for (String o : data == null || data.isEmpty() ? List.<String>of() : List.of(data.split(","))) {
            if (o.startsWith("uid=")) {
                out.add("uid=" + hostUid(Long.parseLong(o.substring(4))));
                hasUid = true;
            } else if (o.startsWith("gid=")) {
                out.add("gid=" + hostGid(Long.parseLong(o.substring(4))));
                hasGid = true;
            } else {
                out.add(o);
            }
        }
        if (ownRoot && !hasUid) out.add("uid=" + hostUid(0));
        if (ownRoot && !hasGid) out.add("gid=" + hostGid(0));
        return String.join(",", out);
    }
}
