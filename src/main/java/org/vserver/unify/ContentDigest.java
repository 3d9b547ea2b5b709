package org.vserver.unify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a file's content followed by its {@link FileIdentity} (mtime left out with
 * ignoreMtime): two files with the same digest may share one inode. SHA-256 rather than
 * util-vserver's SHA-1: the JDK's intrinsic makes it as fast, and no one can craft a collision.
 */
public final class ContentDigest {
    /** One read per MiB: few syscalls, and the buffer stays in cache. */
    static final int BUFFER = 1 << 20;

    private final MessageDigest sha = newSha256();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private final ByteBuffer fields = ByteBuffer.allocate(64);

    /** A digester with its own buffer: one per thread. */
    public ContentDigest() {}

    /** The hex digest of {@code file}'s content and {@code id} (opened O_NOFOLLOW). */
    public String of(Path file, FileIdentity id, boolean ignoreMtime) throws IOException {
        sha.reset();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] a = buffer.array();
            while (true) {
                buffer.clear();
                int n = ch.read(buffer);
                if (n < 0) break;
                sha.update(a, 0, n);
            }
        }
        fields.clear();
        fields.putInt(id.mode()).putInt(id.uid()).putInt(id.gid()).putLong(id.rdev()).putLong(id.size());
        if (!ignoreMtime) fields.putLong(id.mtimeSeconds()).putInt(id.mtimeNanos());
        sha.update(fields.array(), 0, fields.position());
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
