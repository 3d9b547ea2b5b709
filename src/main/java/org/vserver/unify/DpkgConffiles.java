package org.vserver.unify;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The files dpkg marks as configuration in a tree ({@code vpkg NAME get-conffiles} without
 * running the guest). An admin edits them in place, so they are never unified.
 */
public final class DpkgConffiles {
    private DpkgConffiles() {}

    /**
     * The conffiles of every package in {@code treeRoot}'s {@code /var/lib/dpkg/status} (the
     * {@code Conffiles:} field) and {@code /var/lib/dpkg/info/*.conffiles}. Missing files give an
     * empty set. The tree belongs to a guest: a symlink on the way ({@code /var -> /}) would make
     * us read the host's database, so any symlink in {@code var/lib/dpkg/...} counts as absent.
     */
    public static Set<String> read(Path treeRoot) throws IOException {
        Set<String> found = new TreeSet<>();
        Path dpkg = treeRoot.resolve("var/lib/dpkg");
        if (!isRealDirectoryChain(treeRoot, List.of("var", "lib", "dpkg"))) return found;
        String status = readNoFollow(dpkg.resolve("status"));
        if (status != null) parseStatus(status, found);
        Path info = dpkg.resolve("info");
        if (Files.isDirectory(info, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(info, "*.conffiles")) {
                for (Path f : ds) {
                    String text = readNoFollow(f);
                    if (text != null) parseConffilesList(text, found);
                }
            }
        }
        return found;
    }

    /** The {@code Conffiles:} continuation lines: {@code " /etc/foo <md5> [obsolete]"}. */
    static void parseStatus(String status, Set<String> into) {
        boolean inConffiles = false;
        for (String line : status.split("\n", -1)) {
            if (line.isEmpty()) {
                inConffiles = false;               // end of a package's paragraph
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (inConffiles) {
                    String path = line.strip().split("\\s+")[0];
                    if (path.startsWith("/")) into.add(path);
                }
            } else {
                inConffiles = line.startsWith("Conffiles:");
            }
        }
    }

    /** One path a line; dpkg >= 1.20 may put a flag first ({@code remove-on-upgrade /etc/foo}). */
    static void parseConffilesList(String text, Set<String> into) {
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            String path = words[words.length - 1];
            if (path.startsWith("/")) into.add(path);
        }
    }

    private static boolean isRealDirectoryChain(Path root, List<String> names) {
        Path p = root;
        for (String n : names) {
            p = p.resolve(n);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return false;
        }
        return true;
    }

    /** The file's text, or null if it is missing or a symlink (opened O_NOFOLLOW: no race with a swap). */
    private static String readNoFollow(Path f) throws IOException {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
        try (var ch = Files.newByteChannel(f, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
