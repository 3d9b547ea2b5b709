package org.vserver.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestRanges;
import org.vserver.config.IdKind;
import org.vserver.fs.GuestFiles;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.OwnerNames;
import org.vserver.proc.UserNames;
import org.vserver.state.RunState;

/**
 * {@link OwnerNames} of this host: the guests' ranges from their {@code userns/uidmap} and
 * {@code userns/gidmap}, a guest's names from its own {@code /etc/passwd} and {@code /etc/group},
 * the host's from its own. One per command run: each guest's files are read at most once, when
 * the first of its ids is asked for.
 *
 * <p>A guest's files are the guest's to write, so they are read only through {@link GuestFiles}:
 * links resolve inside the guest, a link at the end of the path is not followed, only a regular
 * file of at most {@link GuestFiles#MAX_BYTES} is read. A file that is not there, not readable
 * that way or not running gives no names: that guest's ids show as its own numbers. Errors are
 * not reported: vps and vtop show processes, and a guest's broken passwd must not stop them.
 */
public final class GuestOwnerNames implements OwnerNames {
    /** Opens a guest's root (its directory name), or empty if it has none to read now. */
    @FunctionalInterface
    public interface Roots {
        Optional<GuestFiles> open(String guest) throws IOException;
    }

    private final GuestRanges ranges;
    private final UserNames hostUsers;
    private final UserNames hostGroups;
    private final Roots roots;
    private final Map<String, Map<Kind, UserNames>> guests = new HashMap<>();

    public GuestOwnerNames(GuestRanges ranges, UserNames hostUsers, UserNames hostGroups, Roots roots) {
        this.ranges = ranges;
        this.hostUsers = hostUsers;
        this.hostGroups = hostGroups;
        this.roots = roots;
    }

    /**
     * The ranges of every configured guest, each guest's files read in the root of its running init
     * as the guest's mount namespace sees it (what its own programs read as /etc/passwd).
     */
    public static GuestOwnerNames of(Vserver vs, UserNames hostUsers, UserNames hostGroups) throws ConfigException {
        return new GuestOwnerNames(GuestRanges.read(vs.config()), hostUsers, hostGroups, guest -> {
            Optional<RunState> st;
            try {
                st = vs.state().read(guest);
            } catch (IOException damaged) {
                return Optional.empty();
            }
            if (st.isEmpty() || !GuestProcess.initOf(st.get()).isAlive(vs.proc().root())) return Optional.empty();
            return Optional.of(GuestFiles.ofProcess(vs.sys(), vs.proc(), GuestProcess.initOf(st.get())));
        });
    }

    @Override
    public Optional<GuestId> ofGuest(Kind kind, long hostId) {
        if (!(ranges.owner(idKind(kind), hostId) instanceof GuestRanges.Guest(String guest, long id))) return Optional.empty();
        return Optional.of(new GuestId(guest, id, namesOf(guest).get(kind).of(id)));
    }

    @Override
    public String ofHost(Kind kind, long hostId) { return (kind == Kind.USER ? hostUsers : hostGroups).of(hostId); }

    private Map<Kind, UserNames> namesOf(String guest) {
        return guests.computeIfAbsent(guest, g -> {
            Map<Kind, UserNames> names = new HashMap<>(Map.of(Kind.USER, UserNames.NONE, Kind.GROUP, UserNames.NONE));
            try {
                Optional<GuestFiles> root = roots.open(g);
                if (root.isEmpty()) return names;
                try (GuestFiles files = root.get()) {
                    names.put(Kind.USER, read(files, "/etc/passwd"));
                    names.put(Kind.GROUP, read(files, "/etc/group"));
                }
            } catch (IOException notRunningAnyMore) {
                // numbers, as for a guest without the files
            }
            return names;
        });
    }

    /** One file's names; a file the resolver refuses (a link, not regular, too large) gives none. */
    private static UserNames read(GuestFiles files, String path) {
        try {
            return files.readIfExists(path).map(b -> UserNames.parse(new String(b, StandardCharsets.UTF_8))).orElse(UserNames.NONE);
        } catch (IOException refused) {
            return UserNames.NONE;
        }
    }

    private static IdKind idKind(Kind kind) { return kind == Kind.USER ? IdKind.UID : IdKind.GID; }
}
