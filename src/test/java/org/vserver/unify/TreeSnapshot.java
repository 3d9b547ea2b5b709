package org.vserver.unify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What {@code find -printf '%y %m %U %G %s %T@'} plus a checksum shows of a tree: must not change by unification. */
final class TreeSnapshot {
    record Node(char type, int mode, int uid, int gid, long size, long mtimeSec, int mtimeNanos, String sha256) {}

    private TreeSnapshot() {}

    static Map<String, Node> of(Path root) throws IOException {
        Map<String, Node> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                char type = switch (mode & 0170000) {
                    case 0100000 -> 'f';
                    case 0040000 -> 'd';
                    case 0120000 -> 'l';
                    default -> '?';
                };
                var m = ((FileTime) a.get("lastModifiedTime")).toInstant();
                String sum = type == 'f' ? sha256(Files.readAllBytes(p))
                        : type == 'l' ? Files.readSymbolicLink(p).toString() : "";
                out.put(root.relativize(p).toString(), new Node(type, mode, (Integer) a.get("uid"), (Integer) a.get("gid"),
                        type == 'd' ? 0 : (Long) a.get("size"), m.getEpochSecond(), m.getNano(), sum));
            }
        }
        return out;
    }

    static long ino(Path p) throws IOException { return (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS); }

    static int nlink(Path p) throws IOException { return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS); }

    /** path -> inode of every regular file. */
    static Map<String, Long> inodes(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList())
                out.put(root.relativize(p).toString(), ino(p));
        }
        return out;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
