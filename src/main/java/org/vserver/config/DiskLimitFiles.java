package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * util-vserver's {@code dlimits/<ID>/} of a guest: one limit per subdirectory, one value per file
 * (reference §5.3):
 * <ul>
 *   <li>{@code directory}: the absolute path the limit applies to (required);</li>
 *   <li>{@code space_total}: KiB, a plain number as util-vserver wrote it, or with a suffix K, M, G
 *       or T (binary, KiB based: 1M = 1024) as {@link #parseSpace} reads it;</li>
 *   <li>{@code inodes_total}: a plain number;</li>
 *   <li>{@code reserved}: percent kept for root, 0..99, default {@value DiskLimit#DEFAULT_RESERVED}.</li>
 * </ul>
 * A missing total means no limit of that kind. util-vserver's {@code *_used} values lived in
 * {@code cache/}, not here: the storage backends count use themselves.
 */
public final class DiskLimitFiles {
    private DiskLimitFiles() {}

    public static final String DIR = "dlimits";
    static final String DIRECTORY = "directory", SPACE_TOTAL = "space_total", INODES_TOTAL = "inodes_total", RESERVED = "reserved";
    private static final Set<String> KNOWN = Set.of(DIRECTORY, SPACE_TOTAL, INODES_TOTAL, RESERVED);
    static final String UNKNOWN = "unknown disk limit setting: known are directory, space_total, inodes_total, reserved";

    /** The guest's limits in {@code ID} order; none if {@code dlimits/} is absent. Two limits on one directory are refused. */
    public static List<DiskLimit> read(Path cfgdir) throws ConfigException {
        Path dir = cfgdir.resolve(DIR);
        var out = new ArrayList<DiskLimit>();
        Map<Path, Path> seen = new HashMap<>();
        for (String id : names(dir)) {
            Path d = dir.resolve(id);
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
                throw new ConfigException(d, "expected a directory " + DIR + "/ID holding directory, space_total, inodes_total, reserved");
            DiskLimit l = limit(id, d);
            Path other = seen.putIfAbsent(l.directory(), d.resolve(DIRECTORY));
            if (other != null)
                throw new ConfigException(d.resolve(DIRECTORY), 1, "a second limit on " + l.directory() + ", already limited by " + other
                        + ": remove one of the two " + DIR + "/ directories");
            out.add(l);
        }
        return out;
    }

    private static DiskLimit limit(String id, Path d) throws ConfigException {
        for (String n : names(d))
            if (!KNOWN.contains(n)) throw new ConfigException(d.resolve(n), UNKNOWN);
        Optional<ConfigFiles.Content> directory = ConfigFiles.read(d.resolve(DIRECTORY));
        if (directory.isEmpty())
            throw new ConfigException(d.resolve(DIRECTORY), "missing: every " + DIR + "/ID names the directory its limit applies to");
        ConfigFiles.Line dl = directory.get().nonEmptyScalar();
        if (!dl.text().startsWith("/")) throw dl.error("expected an absolute path, got '" + dl.text() + "'");
        OptionalLong space = OptionalLong.empty(), inodes = OptionalLong.empty();
        int reserved = DiskLimit.DEFAULT_RESERVED;
        Optional<ConfigFiles.Content> c = ConfigFiles.read(d.resolve(SPACE_TOTAL));
        if (c.isPresent()) space = OptionalLong.of(space(c.get()));
        c = ConfigFiles.read(d.resolve(INODES_TOTAL));
        if (c.isPresent()) inodes = OptionalLong.of(inodes(c.get()));
        c = ConfigFiles.read(d.resolve(RESERVED));
        if (c.isPresent()) reserved = reserved(c.get());
        return new DiskLimit(id, Path.of(dl.text()).normalize(), space, inodes, reserved);
    }

    /** The check of {@code space_total} (also {@code config set}'s): KiB, with an optional suffix. */
    static long space(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        try {
            return parseSpace(l.text());
        } catch (IllegalArgumentException e) {
            throw l.error(e.getMessage());
        }
    }

    /** The check of {@code inodes_total}: a plain number. */
    static long inodes(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (!l.text().matches("\\d{1,18}")) throw l.error("expected a number of inodes (0 or more), got '" + l.text() + "'");
        return Long.parseLong(l.text());
    }

    /** The check of {@code reserved}: percent, 0..99. */
    static int reserved(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (!l.text().matches("\\d{1,3}") || Integer.parseInt(l.text()) > 99)
            throw l.error("expected a percentage 0..99 kept for root, got '" + l.text() + "'");
        return Integer.parseInt(l.text());
    }

    /**
     * A space value in KiB, as vdlimit and {@code space_total} take it: a plain number is KiB
     * (util-vserver's unit); a suffix K, M, G or T (either case) multiplies by 1, 1024, 1024², 1024³.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    public static long parseSpace(String text) {
        String s = text.strip();
        if (!s.matches("\\d{1,19}[KkMmGgTt]?"))
            throw new IllegalArgumentException("expected a size in KiB (a number, optionally with K, M, G or T), got '" + text + "'");
        char last = s.charAt(s.length() - 1);
        int shift = switch (Character.toUpperCase(last)) {
            case 'M' -> 10;
            case 'G' -> 20;
            case 'T' -> 30;
            default -> 0;
        };
        String digits = Character.isDigit(last) ? s : s.substring(0, s.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits), 1L << shift);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
    }

    /**
     * Writes {@code limit} as {@code dlimits/ID/} (files of absent totals removed, {@code reserved}
     * always written so the tree says what applies). Values are plain numbers, as util-vserver's
     * tools read them. Each file is replaced atomically.
     */
    public static void write(Path cfgdir, DiskLimit limit) throws IOException {
        String id = limit.id();
        if (id.isEmpty() || id.startsWith(".") || id.contains("/"))
            throw new IllegalArgumentException("disk limit id '" + id + "': expected a plain name (not empty, no '/', no leading '.')");
        if (!limit.directory().isAbsolute())
            throw new IllegalArgumentException("disk limit directory '" + limit.directory() + "' is not absolute");
        Path d = cfgdir.resolve(DIR).resolve(id);
        ConfigFiles.writeAtomically(d.resolve(DIRECTORY), limit.directory().normalize() + "\n");
        value(d.resolve(SPACE_TOTAL), limit.spaceTotalKib());
        value(d.resolve(INODES_TOTAL), limit.inodesTotal());
        ConfigFiles.writeAtomically(d.resolve(RESERVED), limit.reservedPercent() + "\n");
    }

    private static void value(Path f, OptionalLong v) throws IOException {
        if (v.isPresent()) ConfigFiles.writeAtomically(f, v.getAsLong() + "\n");
        else Files.deleteIfExists(f);
    }

    /**
     * Removes the {@code dlimits/ID/} whose {@code directory} names {@code directory}.
     *
     * @return whether there was one
     */
    public static boolean remove(Path cfgdir, Path directory) throws ConfigException, IOException {
        Path want = directory.normalize();
        for (DiskLimit l : read(cfgdir))
            if (l.directory().equals(want)) {
                deleteTree(cfgdir.resolve(DIR).resolve(l.id()));
                return true;
            }
        return false;
    }

    /** An ID for a new limit: the smallest number not yet a {@code dlimits/} entry (util-vserver's 0, 1, ...). */
    public static String newId(Path cfgdir) throws ConfigException {
        List<String> taken = names(cfgdir.resolve(DIR));
        for (int i = 0; ; i++) if (!taken.contains(Integer.toString(i))) return Integer.toString(i);
    }

    /** Entry names of {@code dir}, sorted, without dot-files (editor and atomic-write temporaries); empty if absent. */
    private static List<String> names(Path dir) throws ConfigException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw ConfigFiles.ioError(dir, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> w = Files.walk(dir)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
