package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import org.vserver.config.UsernsFiles.Mapping;

/**
 * Gives each guest its own host ids: a range of {@link IdRange#GUEST_IDS} uids from root's lines in
 * {@code /etc/subuid} and one of gids from {@code /etc/subgid}, disjoint from every other guest's
 * and from every other owner's subordinate ids, recorded in the guest's {@code userns/uidmap} and
 * {@code userns/gidmap}.
 *
 * <p>Which range: the lowest free block of 65536 ids, blocks counted from the first id of each of
 * root's ranges (adjacent lines joined). So guests tile root's ids without gaps ({@code 1000000},
 * {@code 1065536}, ...), whichever first id the admin or Incus chose, and the owner of a host id is
 * a division for allocated guests; {@link GuestRanges#owner} still looks the ranges up, because an
 * admin may set any range by hand. uid and gid ranges are allocated independently; with the same
 * lines in both files they come out equal.
 *
 * <p>If root owns nothing in a file, {@link SubordinateIds#addRootIfMissing} adds Incus' range
 * there first, and says so. Allocations never race: a {@link ConfigLock} on
 * {@code .defaults/userns.lock} serializes them across processes and threads.
 */
public final class UsernsAllocator {
    /** Not configuration state: only serializes this JVM's threads before they take the file lock. */
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();
    static final String LOCK_FILE = "userns.lock";

    private final SubidFiles subids;

    public UsernsAllocator(SubidFiles subids) { this.subids = subids; }

    /**
     * The guest's ranges and what to tell the user.
     *
     * @param messages what was done ({@code added root:... to /etc/subuid, as Incus does}, each range allocated)
     * @param warnings subordinate-id lines skipped, {@code FILE:LINE: skipped: ...}
     */
    public record Allocation(IdRange uid, IdRange gid, List<String> messages, List<String> warnings) {
        public Allocation {
            messages = List.copyOf(messages);
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The guest's ranges: each one its files name, after {@link #check}ing it, else a new one,
     * written to its file. Both are decided before either file is written: a refusal writes nothing
     * of the guest's. Whether the guest has {@code userns/disabled} is the caller's business.
     *
     * @throws ConfigException a range of the guest's refused (file:line), another guest's file
     *                         unreadable when a new range is needed, no free range left, or root
     *                         has no subordinate ids and they cannot be added
     */
    public Allocation allocate(ConfigRoot root, String name) throws IOException, ConfigException {
        Path cfgdir = guestDir(root, name);
        Files.createDirectories(root.defaultsDir());
        try (ConfigLock _ = ConfigLock.acquire(JVM_LOCK, root.defaultsDir().resolve(LOCK_FILE))) {
            GuestRanges ranges = readRanges(root, cfgdir);
            var messages = new ArrayList<String>();
            var warnings = new ArrayList<String>();
            Map<IdKind, IdRange> got = new EnumMap<>(IdKind.class);
            Map<IdKind, IdRange> fresh = new EnumMap<>(IdKind.class);
            for (IdKind kind : IdKind.values()) {
                SubordinateIds sub = SubordinateIds.read(subids.file(kind));
                Optional<Mapping> own = ranges.of(name, kind);
                if (own.isPresent()) {
                    check(own.get(), sub, ranges);
                    got.put(kind, own.get().range());
                } else {
                    // a file that does not parse may claim any range: hand out none until it is fixed
                    if (!ranges.problems().isEmpty()) throw ranges.problems().getFirst();
                    SubordinateIds.Added added = sub.addRootIfMissing();
                    sub = added.ids();
                    added.message().ifPresent(messages::add);
                    IdRange r = free(kind, sub, ranges);
                    got.put(kind, r);
                    fresh.put(kind, r);
                }
                warnings.addAll(sub.warnings());
            }
            for (var e : fresh.entrySet()) {
                Path file = cfgdir.resolve(e.getKey().mapFile());
                ConfigFiles.writeAtomically(file, e.getValue().fileText());
                messages.add("guest '" + name + "': host " + e.getKey().word() + "s " + e.getValue().span() + " (" + file + ")");
            }
            return new Allocation(got.get(IdKind.UID), got.get(IdKind.GID), messages, warnings);
        }
    }

    /**
     * Refuses the guest's ranges (those its files name; a missing one is not checked) if one lies
     * outside root's subordinate ids, overlaps another owner's subordinate ids, or overlaps another
     * guest's range. The check for {@code start}: other guests' files that do not parse are passed
     * over (they cannot start until fixed, and their own start checks them against this one).
     *
     * @return the subordinate-id lines skipped, {@code FILE:LINE: skipped: ...}, for warnings
     */
    public List<String> check(ConfigRoot root, String name) throws ConfigException {
        GuestRanges ranges = readRanges(root, guestDir(root, name));
        var warnings = new ArrayList<String>();
        for (IdKind kind : IdKind.values()) {
            Optional<Mapping> own = ranges.of(name, kind);
            if (own.isEmpty()) continue;
            SubordinateIds sub = SubordinateIds.read(subids.file(kind));
            check(own.get(), sub, ranges);
            warnings.addAll(sub.warnings());
        }
        return warnings;
    }

    private static Path guestDir(ConfigRoot root, String name) throws ConfigException {
        Path cfgdir = root.guestDir(name);
        if (!Files.isDirectory(cfgdir)) throw new ConfigException(cfgdir, "no such guest (configuration directory missing)");
        return cfgdir;
    }

    /** Every guest's ranges; the guest's own broken file is always an error. */
    private static GuestRanges readRanges(ConfigRoot root, Path cfgdir) throws ConfigException {
        GuestRanges ranges = GuestRanges.read(root);
        for (ConfigException e : ranges.problems())
            if (e.file().startsWith(cfgdir)) throw e;
        return ranges;
    }

    private static void check(Mapping m, SubordinateIds sub, GuestRanges ranges) throws ConfigException {
        IdRange r = m.range();
        String ids = "host " + m.kind().word() + "s " + r.span();
        if (sub.rootRanges().stream().noneMatch(root -> root.hostFirst() <= r.hostFirst() && r.hostLast() <= root.hostLast()))
            throw m.line().error(ids + " are not all root's subordinate ids in " + sub.file() + " (root has "
                    + sub.rootSpans() + ")");
        for (SubordinateIds.Entry e : sub.others())
            if (e.range().overlaps(r))
                throw m.line().error(ids + " overlap " + e.owner() + "'s subordinate ids " + e.range().span()
                        + " (" + sub.file() + ":" + e.line() + ")");
        for (Mapping o : ranges.of(m.kind()))
            if (!o.guest().equals(m.guest()) && o.range().overlaps(r))
                throw m.line().error(ids + " overlap guest '" + o.guest() + "''s " + o.range().span() + " (" + o.where() + ")");
    }

    /** The lowest free block; see the class comment. */
    private static IdRange free(IdKind kind, SubordinateIds sub, GuestRanges ranges) throws ConfigException {
        List<IdRange> taken = new ArrayList<>();
        sub.others().forEach(e -> taken.add(e.range()));
        ranges.of(kind).forEach(m -> taken.add(m.range()));
        long n = IdRange.GUEST_IDS;
        for (IdRange root : sub.rootRanges()) {
            long c = root.hostFirst();
            if (c < IdRange.FIRST_GUEST_HOST_ID) c += Math.ceilDiv(IdRange.FIRST_GUEST_HOST_ID - c, n) * n;
            while (c + n - 1 <= root.hostLast()) {
                IdRange candidate = new IdRange(c, n);
                Optional<IdRange> hit = taken.stream().filter(candidate::overlaps)
                        .max(Comparator.comparingLong(IdRange::hostLast));
                if (hit.isEmpty()) return candidate;
                c = root.hostFirst() + Math.ceilDiv(hit.get().hostLast() + 1 - root.hostFirst(), n) * n;
            }
        }
        throw new ConfigException(sub.file(), "no free range of " + n + " " + kind.word() + "s left in root's subordinate ids ("
                + sub.rootSpans() + "; " + ranges.of(kind).size() + " guest ranges taken): give root more with another line root:FIRST:COUNT");
    }
}
