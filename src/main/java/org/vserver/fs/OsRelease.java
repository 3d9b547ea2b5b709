package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/** What a rootfs says it is: os-release(5)'s ID, read through {@link GuestFiles} (the file is a link on Debian). */
final class OsRelease {
    /** os-release is a few hundred bytes; a template cannot make us read a huge file. */
    private static final int MAX_BYTES = 64 * 1024;

    private OsRelease() {}

    /**
     * ID= of etc/os-release, else usr/lib/os-release; unquoted, lower case as the spec says. Read by
     * {@link GuestFiles}: links resolve inside the rootfs, only a regular file is read.
     */
    static Optional<String> id(GuestTree tree, Syscalls sys, ProcFs proc) {
        try (GuestFiles files = GuestFiles.at(sys, proc, tree.root())) {
            for (String rel : new String[] {"etc/os-release", "usr/lib/os-release"}) {
                String text;
                try {
                    text = new String(files.readFollowingLinks(rel, MAX_BYTES), StandardCharsets.UTF_8);
                } catch (IOException missingOrRefused) {
                    continue;       // absent, not a regular file, or too large: try the next, else unknown
                }
                for (String line : text.split("\n")) {
                    if (line.startsWith("ID=")) {
                        String id = line.substring(3).trim().replaceAll("^[\"']|[\"']$", "");
                        if (!id.isEmpty()) {
                            return Optional.of(id);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the root cannot be opened: the distribution is just unknown
        }
        return Optional.empty();
    }

    /**
     * The distribution of a rootfs for {@link BuildResult#distribution()}: os-release's ID;
     * "host" for a host-method guest (an empty usr/, where the host's /usr is mounted at start,
     * and bin a link into it); else "unknown". The request's syscalls and /proc read os-release.
     */
    static String distribution(GuestTree tree, BuildRequest req) {
        Optional<String> id = id(tree, req.sys(), req.proc());
        if (id.isPresent()) {
            return id.get();
        }
        try {
            Path usr = tree.resolve("usr");
            boolean emptyUsr = Files.isDirectory(usr, LinkOption.NOFOLLOW_LINKS);
            if (emptyUsr) {
                try (var entries = Files.list(usr)) {
                    emptyUsr = entries.findAny().isEmpty();
                }
            }
            if (emptyUsr && Files.isSymbolicLink(tree.resolve("bin"))) {
                return "host";
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }
}
