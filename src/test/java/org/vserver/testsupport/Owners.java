package org.vserver.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** A file's owner set and read as host ids, links themselves (lchown): for the file-tagging tests, as root. */
public final class Owners {
    private Owners() {}

    /** lchown(2) to ids up to 4294967294. */
    public static void chown(Path f, long uid, long gid) throws IOException {
        Files.setAttribute(f, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(f, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code UID:GID} of the file itself, unsigned. */
    public static String owner(Path f) throws IOException {
        return Integer.toUnsignedString((int) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)) + ":"
                + Integer.toUnsignedString((int) Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }
}
