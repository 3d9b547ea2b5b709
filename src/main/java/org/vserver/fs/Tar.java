package org.vserver.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GNU tar as the template and clone methods use it. tar does the unpacking because it already
 * knows what a rootfs needs (numeric owners, modes, hard links, devices, xattrs) and refuses what
 * a hostile archive tries: it strips a leading '/', skips members with "..", and delays links
 * with absolute or ".." targets to the end, so {@code etc -> /etc} followed by {@code etc/passwd}
 * cannot write into the host. We keep those defaults: never {@code -P}.
 */
final class Tar {

    /**
     * File capabilities (ping, ...) and user xattrs come back; security.selinux and trusted.*
     * would fail or mean nothing on another host.
     */
    static final List<String> XATTRS = List.of("--xattrs", "--xattrs-include=user.*",
            "--xattrs-include=security.capability");

    /**
     * The compressions GNU tar detects by magic on extraction, each with the program it runs and
     * the Debian package that has it: a missing one is reported before anything is unpacked.
     */
    enum Compression {
        NONE(null, null, new byte[0]),
        GZIP("gzip", "gzip", new byte[] {0x1f, (byte) 0x8b}),
        BZIP2("bzip2", "bzip2", new byte[] {'B', 'Z', 'h'}),
        XZ("xz", "xz-utils", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}),
        ZSTD("zstd", "zstd", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});

        final String program;
        final String debianPackage;
        private final byte[] magic;

        Compression(String program, String debianPackage, byte[] magic) {
            this.program = program;
            this.debianPackage = debianPackage;
            this.magic = magic;
        }

        /** By the first bytes; NONE for anything else (plain tar, or something tar will reject itself). */
        static Compression of(Path archive) throws IOException {
            byte[] head = new byte[8];
            int n;
            try (InputStream in = Files.newInputStream(archive)) {
                n = in.readNBytes(head, 0, head.length);
            }
            for (Compression c : values()) {
                if (c.magic.length > 0 && n >= c.magic.length
                        && Arrays.equals(head, 0, c.magic.length, c.magic, 0, c.magic.length)) {
                    return c;
                }
            }
            return NONE;
        }
    }

    private static final Pattern VERSION = Pattern.compile("GNU tar\\)? (\\d+)\\.(\\d+)");

    private Tar() {}

    /**
     * Checks that {@code tar} is GNU tar and can extract {@code c}: zstd needs GNU tar 1.31 and the
     * zstd program. Returns tar's path.
     */
    static Path check(String method, SearchPath path, Compression c, Consumer<String> progress)
            throws BuildException {
        Path tar = Command.require(method, path, "tar", "tar");
        String version = new Command(method, path, List.of(tar.toString(), "--version"), null,
                Map.of("LC_ALL", "C"), progress).capture();
        Matcher m = VERSION.matcher(version);
        if (!m.find()) {
            throw new BuildException(method, tar + " is not GNU tar (`tar --version` says: "
                    + version.lines().findFirst().orElse("nothing") + "); install the Debian package 'tar'");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (c == Compression.ZSTD && (major < 1 || major == 1 && minor < 31)) {
            throw new BuildException(method, "GNU tar " + major + "." + minor
                    + " cannot extract zstd archives (1.31 or later needed)");
        }
        if (c.program != null) {
            Command.require(method, path, c.program, c.debianPackage);
        }
        return tar;
    }
}
