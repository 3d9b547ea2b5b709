package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Debian bookworm minbase as a tarball, made once per checkout (target/it-cache) by vserver's own
 * debootstrap build method, with a tiny package of ours installed at version 1 (its version 2 is
 * {@link #packageV2()}): the tree the unification and disk-limit tests build their guests from.
 * Like BuildIT's debootstrap test it needs the Debian mirror the host's apt uses.
 */
final class DebianTree {
    static final Path CACHE = TestHost.BASEDIR.resolve("target/it-cache");
    static final Path TARBALL = CACHE.resolve("debian-bookworm-minbase.tar.gz");
    static final String PACKAGE = "vserver-it-hello";
    /** Files of the package: a text that changes with the version, and one that does not. */
    static final String CHANGING = "/usr/share/vserver-it-hello/version.txt", SAME = "/usr/share/vserver-it-hello/same.txt";

    private DebianTree() {}

    /** The tarball, made now if this checkout has none yet. */
    static Path tarball() throws Exception {
        return cached(TARBALL, List.of(), vdir -> run(List.of("dpkg", "--root=" + vdir, "--force-not-root", "-i", packageDeb("1.0").toString())));
    }

    /**
     * Bookworm with systemd as its init (systemd-sysv), dbus, cron, sshd, nginx and postfix (Debian's
     * "Internet Site" defaults: every interface, both families): a VPS as most are today.
     */
    static final Path SYSTEMD_TARBALL = CACHE.resolve("debian-bookworm-systemd-nginx-postfix.tar.gz");

    static Path systemdTarball() throws Exception {
        return cached(SYSTEMD_TARBALL, List.of("--include=systemd-sysv,dbus,cron,openssh-server,nginx-light,postfix,procps,iproute2"), vdir -> {});
    }

    interface TreeStep {
        void apply(Path vdir) throws Exception;
    }

    /** {@code tarball}, made now by vserver's debootstrap method with {@code options} and then {@code after}, if missing. */
    private static Path cached(Path tarball, List<String> options, TreeStep after) throws Exception {
        Files.createDirectories(CACHE);
        try (FileChannel lock = FileChannel.open(CACHE.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            lock.lock();
            if (Files.exists(tarball)) return tarball;
            String mirror = "http://deb.debian.org/debian/dists/bookworm/Release";
            Assumptions.assumeTrue(reachable(mirror), "the Debian mirror is unreachable (" + mirror + "): no Debian tree to build from");
            try (TestHost host = new TestHost()) {
                List<String> cmd = new java.util.ArrayList<>(List.of("vserver", "debsrc", "build", "-m", "debootstrap", "--", "-d", "bookworm"));
                if (!options.isEmpty()) {
                    cmd.add("--");
                    cmd.addAll(options);
                }
                var r = host.cli(cmd.toArray(String[]::new));
                assertEquals(0, r.code(), r.toString());
                Path vdir = host.guestsDir.resolve("debsrc");
                after.apply(vdir);
                Path tmp = CACHE.resolve(tarball.getFileName() + ".tmp");
                run(List.of("tar", "czf", tmp.toString(), "--numeric-owner", "--xattrs", "-C", vdir.toString(), "."));
                Files.move(tmp, tarball);
                var del = host.cli("vserver", "debsrc", "delete");
                assertEquals(0, del.code(), del.toString());
            }
            return tarball;
        }
    }

    /** Version 2 of the test package, to upgrade inside a guest. */
    static Path packageV2() throws Exception { return packageDeb("2.0"); }

    /** A .deb of {@link #PACKAGE} at {@code version} (dpkg-deb --build; made once, kept in the cache). */
    static Path packageDeb(String version) throws Exception {
        Path deb = CACHE.resolve(PACKAGE + "_" + version + "_all.deb");
        if (Files.exists(deb)) return deb;
        Path dir = Files.createTempDirectory(CACHE, "deb");
        Files.createDirectories(dir.resolve("DEBIAN"));
        Files.writeString(dir.resolve("DEBIAN/control"), """
                Package: %s
                Version: %s
                Architecture: all
                Maintainer: vserver tests <root@localhost>
                Description: a file that changes with the version, for the unification tests
                """.formatted(PACKAGE, version));
        Path share = dir.resolve(CHANGING.substring(1)).getParent();
        Files.createDirectories(share);
        Files.writeString(dir.resolve(CHANGING.substring(1)), "this is version " + version + " of the test package\n");
        Files.writeString(dir.resolve(SAME.substring(1)), "this file is the same in every version of the test package\n");
        run(List.of("dpkg-deb", "--root-owner-group", "--build", dir.toString(), deb.toString()));
        run(List.of("rm", "-rf", dir.toString()));
        return deb;
    }

    static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        assertEquals(0, p.exitValue(), cmd + ":\n" + out);
    }

    private static boolean reachable(String url) {
        try (HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            var req = HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10)).build();
            return c.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
