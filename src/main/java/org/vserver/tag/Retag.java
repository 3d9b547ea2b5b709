package org.vserver.tag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestRanges;
import org.vserver.config.IdKind;
import org.vserver.config.IdRange;
import org.vserver.config.UsernsFiles;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.FileStat;
import org.vserver.sys.Syscalls;

/**
 * chxid's work on one file: its uid and gid moved from their owner's ids to the same own ids of the
 * target (uid 1000 of guest A becomes uid 1000 of guest B; a host id 0..65535 the same id of the
 * guest; a guest's id back to that host id). uid and gid are moved each from its own owner.
 *
 * <p>chown(2) clears the setuid and setgid bits of a non-directory even for root, and a retag is
 * not meant to change what a program may do: the mode is put back afterwards. File capabilities
 * ({@code security.capability}) are cleared too and not put back: a v3 capability names the root
 * of the user namespace it was written for, the old owner's.
 */
public final class Retag {

    /** Where files go: the host's own ids, or a guest's range. */
    public sealed interface Target {
        /** The host id that is {@code ownId} to the target; empty if the target has no such id. */
        OptionalLong hostId(IdKind kind, long ownId);

        /** "the host" or "guest 'B'", for messages. */
        String described();
    }

    /** Host ids 0..65535, as a guest's root tree is owned on disk and a {@code userns/disabled} guest's files. */
    public record Host() implements Target {
        @Override
        public OptionalLong hostId(IdKind kind, long ownId) {
            return ownId < IdRange.FIRST_GUEST_HOST_ID ? OptionalLong.of(ownId) : OptionalLong.empty();
        }

        @Override
        public String described() { return "the host"; }
    }

    /** A guest's ranges, from its {@code userns/uidmap} and {@code userns/gidmap}. */
    public record Guest(String name, IdRange uid, IdRange gid) implements Target {
        @Override
        public OptionalLong hostId(IdKind kind, long ownId) {
            IdRange r = kind == IdKind.UID ? uid : gid;
            return ownId < r.count() ? OptionalLong.of(r.hostFirst() + ownId) : OptionalLong.empty();
        }

        @Override
        public String described() { return "guest '" + name + "'"; }
    }

    /**
     * Guest {@code name} (a directory of {@code root}) as chxid's target: its ranges, or why it has
     * none. A guest with {@code userns/disabled} writes host ids 0..65535 like the host, so its
     * files take {@code -c 0}; its ranges, if any, are only reserved.
     *
     * @throws ConfigException the guest's own map file does not parse
     * @throws IOException     the guest runs without a user namespace, or has no range yet
     */
    public static Target target(ConfigRoot root, String name, GuestRanges ranges) throws ConfigException, IOException {
        Path cfgdir = root.guestDir(name);
        for (ConfigException e : ranges.problems())
            if (e.file().startsWith(cfgdir)) throw e;
        if (Files.exists(cfgdir.resolve(UsernsFiles.DISABLED)))
            throw new IOException("guest '" + name + "' runs without a user namespace (" + cfgdir.resolve(UsernsFiles.DISABLED)
                    + "): its files are owned by host ids 0..65535; retag them with -c 0");
        Optional<UsernsFiles.Mapping> uid = ranges.of(name, IdKind.UID), gid = ranges.of(name, IdKind.GID);
        if (uid.isEmpty() || gid.isEmpty())
            throw new IOException("guest '" + name + "' has no " + (uid.isEmpty() ? IdKind.UID : IdKind.GID).word()
                    + " range yet (" + cfgdir.resolve((uid.isEmpty() ? IdKind.UID : IdKind.GID).mapFile())
                    + " is missing): start it once, or write userns/uidmap and userns/gidmap ('HOSTFIRST COUNT')");
        return new Guest(name, uid.get().range(), gid.get().range());
    }

    private static final int SET_ID_BITS = 06000, PERMISSION_BITS = 07777;

    private final Syscalls sys;
    private final GuestRanges ranges;
    private final Target target;

    public Retag(Syscalls sys, GuestRanges ranges, Target target) {
        this.sys = sys;
        this.ranges = ranges;
        this.target = target;
    }

    /**
     * Retags the file {@code fd} (an O_PATH fd, never followed: a link's own owner changes);
     * nothing is done to a file already the target's. Refused, untouched, if an id is in nobody's
     * range or the target has no id for it.
     */
    public void retag(String path, int fd, FileStat st) throws IOException {
        long uid = newId(path, IdKind.UID, Integer.toUnsignedLong(st.uid()));
        long gid = newId(path, IdKind.GID, Integer.toUnsignedLong(st.gid()));
        if (uid == Integer.toUnsignedLong(st.uid()) && gid == Integer.toUnsignedLong(st.gid())) return;
        try {
            sys.fchownat(fd, "", (int) uid, (int) gid, Syscalls.AT_EMPTY_PATH);
            if ((st.mode() & FileStat.S_IFMT) == FileStat.S_IFLNK || (st.mode() & SET_ID_BITS) == 0) return;
            if ((sys.fstat(fd).mode() & PERMISSION_BITS) != (st.mode() & PERMISSION_BITS))
                sys.fchmodat2(fd, "", st.mode() & PERMISSION_BITS, Syscalls.AT_EMPTY_PATH);
        } catch (ErrnoException e) {
            throw e.at(path);
        }
    }

    private long newId(String path, IdKind kind, long hostId) throws IOException {
        IdOwner owner = IdOwner.of(ranges, kind, hostId);
        if (owner instanceof IdOwner.Stray)
            throw new IOException(path + ": " + kind.word() + " " + hostId + " is in no guest's range and not the host's own (below "
                    + IdRange.FIRST_GUEST_HOST_ID + "): not retagged");
        return target.hostId(kind, owner.ownId()).orElseThrow(() -> new IOException(path + ": " + kind.word() + " " + owner.ownId()
                + " of " + described(owner) + " has no counterpart in the ids of " + target.described() + ": not retagged"));
    }

    private static String described(IdOwner owner) {
        return switch (owner) {
            case IdOwner.Host h -> "the host";
            case IdOwner.Guest g -> "guest '" + g.name() + "'";
            case IdOwner.Stray s -> "nobody";
        };
    }
}
