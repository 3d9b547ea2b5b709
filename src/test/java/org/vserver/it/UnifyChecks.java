package org.vserver.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What the unification and disk-limit tests compare: a tree's files, the store, the host's loop devices. */
final class UnifyChecks {
    private UnifyChecks() {}

    /**
     * Every entry below {@code root} (not following links): type, mode, owner, size, mtime and, for a
     * regular file, its SHA-256; for a link, its target. Inode numbers and ctimes are left out: linking
     * changes them and nothing a guest reads.
     */
    static Map<String, String> snapshot(Path root) throws IOException { return snapshotWithout(root, null); }

    /** The same, without entries whose name starts with {@code skipPrefix} (a temp file a killed run left). */
    static Map<String, String> snapshotWithout(Path root, String skipPrefix) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (skipPrefix != null && p.getFileName().toString().startsWith(skipPrefix)) continue;
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                String what = Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? sha256(p) : "";
                m.put(root.relativize(p).toString(), Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid")
                        + " " + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "" : a.get("size")) + " "
                        + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "" : a.get("lastModifiedTime")) + " " + what);
            }
        }
        return m;
    }

    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Regular files below {@code dir} (0 if it does not exist). */
    static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().equals(".lock")).count();
        }
    }

    /** Regular files below {@code dir} with more than one link (linked into a store); 0 while it does not exist. */
    static long linkedFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> {
                try {
                    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1;
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        } catch (IOException | java.io.UncheckedIOException notYet) {
            return 0;
        }
    }

    /** The names in {@code dir}, without lock files (none if it does not exist). */
    static List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) return names;
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().forEach(names::add);
        }
        return names;
    }

    /** Loop devices whose backing file lies under {@code root}: "loop3 -> /tmp/.../disk.img". */
    static List<String> loopDevicesUnder(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        Path block = Path.of("/sys/block");
        try (Stream<Path> s = Files.list(block)) {
            for (Path d : (Iterable<Path>) s::iterator) {
                Path backing = d.resolve("loop/backing_file");
                if (!Files.exists(backing)) continue;
                String file = Files.readString(backing).strip();
                if (file.startsWith(root.toString())) found.add(d.getFileName() + " -> " + file);
            }
        }
        return found;
    }
}
