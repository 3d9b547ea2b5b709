package org.vserver.unify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.vserver.fs.GuestFiles;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * The files dpkg marks as configuration in a tree ({@code vpkg NAME get-conffiles} without
 * running the guest). An admin edits them in place, so they are never unified.
 */
public final class DpkgConffiles {
    private DpkgConffiles() {}

    /** dpkg's status of a large installation is a few MiB; more than this is not a database to trust. */
    static final int MAX_STATUS_BYTES = 64 << 20;

    /**
     * The conffiles of every package in {@code treeRoot}'s {@code /var/lib/dpkg/status} (the
     * {@code Conffiles:} field) and {@code /var/lib/dpkg/info/*.conffiles}. Missing files give an
     * empty set. The tree belongs to a guest, so its files are read through {@link GuestFiles}:
     * links resolve inside the tree ({@code /var -> /} leads to the tree's own root, never the
     * host's), a link at the end is not followed, and a file that is not regular counts as absent.
     */
    public static Set<String> read(Syscalls sys, ProcFs proc, Path treeRoot) throws IOException {
        Set<String> found = new TreeSet<>();
        try (GuestFiles files = GuestFiles.at(sys, proc, treeRoot)) {
            String status = text(files, "/var/lib/dpkg/status", MAX_STATUS_BYTES);
            if (status != null) parseStatus(status, found);
            // The listing only gives names (each file is then read inside the tree): by path, but
            // only through directories that are no links.
            Path info = treeRoot.resolve("var/lib/dpkg/info");
            if (!isRealDirectoryChain(treeRoot, List.of("var", "lib", "dpkg", "info"))) return found;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(info, "*.conffiles")) {
                for (Path f : ds) {
                    String text = text(files, "/var/lib/dpkg/info/" + f.getFileName(), GuestFiles.MAX_BYTES);
                    if (text != null) parseConffilesList(text, found);
                }
            }
        }
        return found;
    }

    /** A file of the tree as text, or null if it is missing, a link, not regular or too large. */
    private static String text(GuestFiles files, String path, int maxBytes) {
        try {
            return new String(files.read(path, maxBytes), StandardCharsets.UTF_8);
        } catch (IOException absentOrRefused) {
            return null;
        }
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
}
