package org.vserver.plan;

import org.vserver.bpf.Fnv1a;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The key a cached start plan was compiled under (doc/plan-cache.md): one line per input with the
 * value it had, which the launcher reads again before it runs the plan ({@code launcher/key.c}
 * computes every value the same way); and directive lines that tell it where the guest's run state
 * goes. The first input that differs makes the plan stale, and the launcher leaves the start to java.
 * <pre>
 * vserver-plan-key 1
 * kernel 6.18.0-1-amd64          tree /etc/vservers/web 3f0c...     link /vservers/.private/web/lower -
 * launcher 61251ff2e78f09e6      file /etc/subuid 9a11...           stat /usr/lib/vserver/vserver.jar 2049:1312:...
 * cgroups 77d1...                owner /vservers 0:0:040000
 * name web                       lock /run/vservers/web.lock       ...
 * </pre>
 * HASH is FNV-1a 64: the inputs are root's own files, so the key guards against a forgotten
 * change, not against a forged one (the cache itself is root's alone).
 */
public final class PlanKey {
    public static final String MAGIC = "vserver-plan-key 1";
    static final long FNV_OFFSET = Fnv1a.OFFSET;

    private final List<String> lines = new ArrayList<>();

    public PlanKey() { lines.add(MAGIC); }

    /** An input: {@code kind} and its argument (a path), with its value now. */
    public PlanKey input(String kind, Path path) throws IOException {
        lines.add(kind + " " + checked(path.toString()) + " " + value(kind, path));
        return this;
    }

    /** An input without an argument: {@code kernel}, {@code launcher} or {@code cgroups}, with its value. */
    public PlanKey input(String kind, String value) {
        lines.add(kind + " " + checked(value));
        return this;
    }

    /** An input whose value the caller knows ({@code env NAME VALUE}). */
    public PlanKey input(String kind, String arg, String value) {
        lines.add(kind + " " + checked(arg) + " " + checked(value));
        return this;
    }

    /** A directive for the launcher (name, lock, journal, state, cgroup, warn, needs-java). */
    public PlanKey directive(String word, String rest) {
        lines.add(word + " " + checked(rest));
        return this;
    }

    public String text() { return String.join("\n", lines) + "\n"; }

    private static String checked(String s) {
        if (s.indexOf('\n') >= 0) throw new IllegalArgumentException("a plan key line holds a newline: " + s);
        return s;
    }

    /** The value of a path input now, as launcher/key.c computes it. */
    public static String value(String kind, Path path) throws IOException {
        return switch (kind) {
            case "tree" -> Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? hex(tree(FNV_OFFSET, path, "")) : "-";
            case "file" -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? hex(fnv(FNV_OFFSET, Files.readAllBytes(path))) : "-";
            case "link" -> Files.isSymbolicLink(path) ? Files.readSymbolicLink(path).toString() : "-";
            case "stat" -> stat(path);
            case "owner" -> owner(path);
            case "exists" -> Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "1" : "0";
            case "isdir" -> Files.isDirectory(path) ? "1" : "0";
            case "size" -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? Long.toString(Files.size(path)) : "-";
            default -> throw new IllegalArgumentException("no such plan key input: " + kind);
        };
    }

    /** uname's release, as /proc reports it. */
    public static String kernel() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    }

    /** The cgroup mounts of {@code mountinfo}: mount point, type and super options of each, hashed. */
    public static String cgroupMounts(Path mountinfo) throws IOException {
        long h = FNV_OFFSET;
        for (String line : Files.readAllLines(mountinfo)) {
            int sep = line.indexOf(" - ");
            if (sep < 0) continue;
            String[] after = line.substring(sep + 3).split(" ");
            if (after.length < 3 || !(after[0].equals("cgroup") || after[0].equals("cgroup2"))) continue;
            String[] before = line.substring(0, sep).split(" ");
            if (before.length < 5) continue;
            h = fnv(h, (before[4] + " " + after[0] + " " + after[2] + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return hex(h);
    }

    static long fnv(long h, byte[] bytes) { return Fnv1a.of(h, bytes); }

    static String hex(long h) { return String.format(Locale.ROOT, "%016x", h); }

    /** Depth first, names in byte order: "REL\0T\0", a file's bytes or a link's target, "\0" (key.c's fnv_tree). */
    private static long tree(long h, Path dir, String rel) throws IOException {
        List<byte[]> names = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) names.add(p.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        names.sort(Arrays::compareUnsigned);
        for (byte[] n : names) {
            String name = new String(n, java.nio.charset.StandardCharsets.UTF_8);
            if (bookkeeping(name)) continue;
            Path p = dir.resolve(name);
            String sub = rel.isEmpty() ? name : rel + "/" + name;
            char type = Files.isSymbolicLink(p) ? 'l' : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? 'd'
                    : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? 'f' : 'o';
            h = fnv(h, (sub + "\0" + type + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (type == 'f') h = fnv(h, Files.readAllBytes(p));
            if (type == 'l') h = fnv(h, Files.readSymbolicLink(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            h = fnv(h, new byte[] {0});
            if (type == 'd') h = tree(h, p, sub);
        }
        return h;
    }

    /**
     * util-vserver's bookkeeping beside the configuration ({@code .defaults/context.next}, the
     * {@code *.lock} files), which the build of any other guest changes: not an input of anyone's start.
     */
    static boolean bookkeeping(String name) {
        return name.equals("context.next") || name.endsWith(".lock") && name.length() > 5;
    }

    /** dev:ino:size:mtime (seconds, then nanoseconds in 9 digits), following links: a jar's identity. */
    private static String stat(Path p) throws IOException {
        if (!Files.exists(p)) return "-";
        long dev = (Long) Files.getAttribute(p, "unix:dev");
        long ino = (Long) Files.getAttribute(p, "unix:ino");
        long size = Files.size(p);
        long nanos = Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
        return dev + ":" + ino + ":" + size + ":" + Math.floorDiv(nanos, 1_000_000_000L)
                + String.format(Locale.ROOT, "%09d", Math.floorMod(nanos, 1_000_000_000L));
    }

    /** uid:gid:mode (octal, type bits included) of the path itself: a barrier's or a shifted root's. */
    private static String owner(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return "-";
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return Integer.toUnsignedString(uid) + ":" + Integer.toUnsignedString(gid) + ":" + Integer.toOctalString(mode);
    }
}
