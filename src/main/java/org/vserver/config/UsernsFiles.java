package org.vserver.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code userns/} of the guest (ours; util-vserver's kernel tagged files with the XID
 * instead, and had no such files). Per guest only: a range is the guest's identity, and
 * {@code .defaults/userns/} is not read.
 * <ul>
 *   <li>{@code userns/uidmap}, {@code userns/gidmap}: one line {@code HOSTFIRST COUNT}: guest ids
 *       0..COUNT-1 are host ids HOSTFIRST..HOSTFIRST+COUNT-1. Blank and {@code #} lines are
 *       ignored; exactly one range. COUNT is at least 65536 (the guest needs nobody, 65534);
 *       HOSTFIRST is at least 65536 (host ids below are the host's own); the range ends at
 *       4294967294 at the latest. Whether the range lies in root's subordinate ids and overlaps no
 *       other guest's is checked against the other files by {@link UsernsAllocator#check}, not
 *       here: this parser sees one file.</li>
 *   <li>{@code userns/disabled}: present = no user namespace (today's behaviour), warned at start.</li>
 *   <li>{@code userns/shifted}: an empty marker, written by vserver, not by hand: the guest's
 *       filesystem refuses idmapped mounts (overlayfs, NFS, some FUSE), so its files were shifted
 *       once, at build or at the start that allocated its range, from host ids 0..65535 to its
 *       range ({@code chxid -c GUEST -R VDIR}); its root is then bound plainly, not idmapped.
 *       Never shifted twice. Undo: {@code chxid -c 0 -R VDIR}, then remove the file.</li>
 * </ul>
 */
public final class UsernsFiles {
    private UsernsFiles() {}

    public static final String DISABLED = "userns/disabled";
    public static final String SHIFTED = "userns/shifted";

    /** A guest's range as its file states it: the line, for messages that name file and line. */
    public record Mapping(String guest, IdKind kind, IdRange range, ConfigFiles.Line line) {
        /** {@code FILE:LINE}. */
        public String where() { return line.file() + ":" + line.number(); }
    }

    static UsernsConfig read(ConfigFiles files) throws ConfigException {
        Optional<ConfigFiles.Content> uid = files.guest(IdKind.UID.mapFile());
        Optional<ConfigFiles.Content> gid = files.guest(IdKind.GID.mapFile());
        return new UsernsConfig(uid.isPresent() ? Optional.of(range(uid.get())) : Optional.empty(),
                gid.isPresent() ? Optional.of(range(gid.get())) : Optional.empty(), files.flag(DISABLED),
                files.flag(SHIFTED));
    }

    /** The guest's {@code kind} file in {@code cfgdir}, if present (guest = the directory's name). */
    static Optional<Mapping> mapping(Path cfgdir, IdKind kind) throws ConfigException {
        Optional<ConfigFiles.Content> c = ConfigFiles.read(cfgdir.resolve(kind.mapFile()));
        if (c.isEmpty()) return Optional.empty();
        ConfigFiles.Line l = line(c.get());
        return Optional.of(new Mapping(cfgdir.getFileName().toString(), kind, range(l), l));
    }

    /** The check of {@code userns/uidmap} and {@code userns/gidmap} (also {@code config set}'s). */
    static IdRange range(ConfigFiles.Content c) throws ConfigException { return range(line(c)); }

    private static ConfigFiles.Line line(ConfigFiles.Content c) throws ConfigException {
        List<ConfigFiles.Line> items = c.items();
        if (items.isEmpty()) throw new ConfigFiles.Line(c.file(), 1, "").error("empty value: expected 'HOSTFIRST COUNT'");
        if (items.size() > 1) throw items.get(1).error("one range per file: expected a single line 'HOSTFIRST COUNT'");
        return items.getFirst();
    }

    private static IdRange range(ConfigFiles.Line l) throws ConfigException {
        String[] f = l.text().split("\\s+");
        if (f.length != 2 || !f[0].matches("\\d{1,10}") || !f[1].matches("\\d{1,10}"))
            throw l.error("expected 'HOSTFIRST COUNT' (guest ids 0..COUNT-1 are host ids HOSTFIRST..HOSTFIRST+COUNT-1), got '"
                    + l.text() + "'");
        long first = Long.parseLong(f[0]), count = Long.parseLong(f[1]);
        if (count < IdRange.GUEST_IDS)
            throw l.error("count " + count + " is below " + IdRange.GUEST_IDS + ": a guest needs ids 0..65535 (nobody is 65534)");
        if (first < IdRange.FIRST_GUEST_HOST_ID)
            throw l.error("host id " + first + " is the host's own: a guest's range starts at " + IdRange.FIRST_GUEST_HOST_ID
                    + " or above");
        if (first + count - 1 > IdRange.LAST_ID)
            throw l.error("range " + first + ".." + (first + count - 1) + " ends past " + IdRange.LAST_ID + ", the last id");
        return new IdRange(first, count);
    }
}
