package org.vserver.unify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

/** Small guest-like trees for the hashify tests. */
final class Trees {
    static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
    static final String LIBC = "pretend this is libc.so.6, long enough to be a candidate\n";

    private Trees() {}

    static Path file(Path root, String rel, String content, String perms, Instant mtime) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        Files.setLastModifiedTime(p, FileTime.from(mtime));
        return p;
    }

    /**
     * A guest: shared files, one that differs in content, mode or mtime per guest, and what is
     * never a candidate (small, dot file, excluded, conffile, symlink).
     */
    static Path guest(Path root, String name) throws IOException {
        Path g = root.resolve(name);
        file(g, "usr/lib/libc.so.6", LIBC, "rwxr-xr-x", T0);
        file(g, "usr/bin/ls", "the ls binary, also shared between the guests\n", "rwxr-xr-x", T0);
        file(g, "usr/share/doc/a/copyright", "copyright text of package a, identical\n", "rw-r--r--", T0);
        file(g, "usr/share/doc/a/copy2", "copyright text of package a, identical\n", "rw-r--r--", T0);   // same content twice in one tree
        file(g, "usr/share/doc/b/own", "content that is this guest's own: " + name + "\n", "rw-r--r--", T0);
        file(g, "usr/share/doc/b/mode", "same content, mode differs per guest\n",
                name.equals("g1") ? "rw-r--r--" : "rw-------", T0);
        file(g, "usr/share/doc/b/mtime", "same content, mtime differs per guest\n", "rw-r--r--",
                name.equals("g1") ? T0 : T0.plusSeconds(60));
        file(g, "usr/share/doc/b/small", "tiny\n", "rw-r--r--", T0);
        file(g, "usr/share/doc/b/.hidden", "a dot file is never unified\n", "rw-r--r--", T0);
        file(g, "etc/hostname-like", "excluded by /etc/* of the builtin list\n", "rw-r--r--", T0);
        file(g, "etc/termcap", "included despite /etc/*: + comes before it\n", "rw-r--r--", T0);
        file(g, "usr/share/conf.d/x.conf", "a conffile from dpkg, never unified\n", "rw-r--r--", T0);
        file(g, "var/lib/x", "under /var: excluded\n", "rw-r--r--", T0);
        Files.createSymbolicLink(g.resolve("usr/lib/libc.so"), Path.of("libc.so.6"));
        // directories last, so their mtimes are fixed values too
        try (var s = Files.walk(g)) {
            for (Path d : s.filter(Files::isDirectory).toList()) Files.setLastModifiedTime(d, FileTime.from(T0));
        }
        return g;
    }
}
