package org.vserver.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.vserver.config.UsernsFiles.Mapping;

/**
 * Every guest's {@code userns/uidmap} and {@code userns/gidmap}: which host ids are taken, and
 * whose a host id is. Read as the files are now; nothing is cached between commands.
 *
 * <p>A file that does not parse is kept aside in {@link #problems} rather than failing the whole
 * read: one broken guest must not stop {@code lsxid} or another guest's start. Whoever must not
 * ignore it (handing out a new range: the broken file may claim it) throws the first one.
 *
 * @param mappings every range found, lowest host id first
 * @param problems the files that did not parse
 */
public record GuestRanges(List<Mapping> mappings, List<ConfigException> problems) {
    public GuestRanges {
        mappings = mappings.stream().sorted(Comparator.comparingLong((Mapping m) -> m.range().hostFirst())
                .thenComparing(Mapping::guest)).toList();
        problems = List.copyOf(problems);
    }

    /** Who holds a host id: the host, or a guest as its own id. */
    public sealed interface Owner {}

    /** No guest's range holds the id: it is the host's (lsxid prints {@code 0 host}). */
    public record Host() implements Owner {}

    /** {@code guest} (its directory name) holds the id, as its {@code guestId}. */
    public record Guest(String guest, long guestId) implements Owner {}

    public static GuestRanges read(ConfigRoot root) throws ConfigException {
        var mappings = new ArrayList<Mapping>();
        var problems = new ArrayList<ConfigException>();
        for (String g : root.guestNames())
            for (IdKind kind : IdKind.values()) {
                try {
                    UsernsFiles.mapping(root.confdir().resolve(g), kind).ifPresent(mappings::add);
                } catch (ConfigException e) {
                    problems.add(e);
                }
            }
        return new GuestRanges(mappings, problems);
    }

    /** The ranges of {@code kind}, lowest first. */
    public List<Mapping> of(IdKind kind) { return mappings.stream().filter(m -> m.kind() == kind).toList(); }

    /** {@code guest}'s range of {@code kind}, if its file names one. */
    public Optional<Mapping> of(String guest, IdKind kind) {
        return of(kind).stream().filter(m -> m.guest().equals(guest)).findFirst();
    }

    /**
     * Whose host uid (or gid) {@code hostId} is. Ranges are refused at start when they overlap; if
     * two still do, the one starting lower answers.
     */
    public Owner owner(IdKind kind, long hostId) {
        for (Mapping m : of(kind))
            if (m.range().contains(hostId)) return new Guest(m.guest(), hostId - m.range().hostFirst());
        return new Host();
    }
}
