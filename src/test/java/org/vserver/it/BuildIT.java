package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/** {@code vserver NAME build}: the methods (skeleton, template, clone, debootstrap), its options, --force, XIDs. */
@RequiresRoot("starts real guests")
class BuildIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    private static String file(String guest, String cfgFile) throws Exception {
        return Files.readString(host.confdir.resolve(guest).resolve(cfgFile)).strip();
    }

    private static TestHost.Result build(String... args) throws Exception {
        var r = host.cli(args);
        assertEquals(0, r.code(), String.join(" ", args) + ":\n" + r);
        assertFalse(r.err().contains("Exception"), r.err());
        return r;
    }

    @Test
    void skeletonWritesTheSkeletonAndTheConfiguration() throws Exception {
        String g = "b-skel";
        var r = build("vserver", g, "build", "-m", "skeleton");
        assertTrue(r.out().contains("guest " + g + " built"), r.out());
        Path vdir = host.guestsDir.resolve(g);
        assertEquals(g, Files.readString(vdir.resolve("etc/hostname")).strip());
        for (String d : List.of("dev", "proc", "tmp", "etc", "root"))
            assertTrue(Files.isDirectory(vdir.resolve(d)), d + " in the skeleton");
        assertEquals(g, file(g, "uts/nodename"));
        assertEquals(g, file(g, "name"));
        assertTrue(file(g, "context").matches("4\\d{4}"), file(g, "context"));
        assertTrue(file(g, "fstab").contains("none /proc proc"), file(g, "fstab"));
    }

    @Test
    void templateFromATarballOfAnotherGuestStarts() throws Exception {
        String src = host.build("b-tsrc");
        Path tarball = host.root.resolve("b-tsrc.tar.gz");
        var tar = new ProcessBuilder("tar", "czf", tarball.toString(), "--numeric-owner", "-C",
                host.guestsDir.resolve(src).toString(), ".").redirectErrorStream(true).start();
        String tarOut = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), tarOut);

        String g = "b-tmpl";
        build("vserver", g, "build", "-m", "template", "--", "-t", tarball.toString());
        assertEquals(g, Files.readString(host.guestsDir.resolve(g).resolve("etc/hostname")).strip(),
                "the skeleton's hostname replaces the template's");
        // the template is a host-method root: it needs the host's /usr as its source guest does
        host.config(g, "fstab", Files.readString(host.confdir.resolve(src).resolve("fstab")));
        host.start(g);
        try {
            assertEquals(g + "\n", host.sh(g, "cat /etc/hostname"));
            assertEquals(g + "\n", host.sh(g, "hostname"));
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
        Files.delete(tarball);
    }

    @Test
    void aFailedBuildLeavesNothing() throws Exception {
        String g = "b-fail";
        var r = host.cli("vserver", g, "build", "-m", "template", "--", "-t", host.root.resolve("missing.tar.gz").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("missing.tar.gz"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(host.confdir.resolve(g)), "no cfgdir");
        assertFalse(Files.exists(host.guestsDir.resolve(g)), "no vdir");
        // a build that fails once its XID was taken (the tarball is no tarball) gives it back
        Path next = host.confdir.resolve(".defaults/context.next");
        String before = Files.exists(next) ? Files.readString(next) : null;
        Path bad = Files.writeString(host.root.resolve("bad.tar.gz"), "not a tarball\n");
        var failed = host.cli("vserver", g, "build", "-m", "template", "--", "-t", bad.toString());
        assertEquals(1, failed.code(), failed.toString());
        assertEquals(before == null ? "" : before, Files.exists(next) ? Files.readString(next) : "",
                "a failed build uses up no XID: " + failed);
        assertFalse(Files.exists(host.confdir.resolve(g)), "no cfgdir");
        var usage = host.cli("vserver", g, "build", "-m", "no-such-method");
        assertEquals(1, usage.code(), usage.toString());
        assertTrue(usage.err().contains("no-such-method"), usage.err());
        assertFalse(Files.exists(host.confdir.resolve(g)), "no cfgdir");
    }

    @Test
    void cloneOfAnotherGuestStartsUnderItsOwnName() throws Exception {
        String src = host.build("b-csrc");
        Files.writeString(host.guestsDir.resolve(src).resolve("root/marker"), "from the source\n");
        String g = "b-clone";
        build("vserver", g, "build", "-m", "clone", "--", "--source", src);
        assertEquals(file(src, "fstab"), file(g, "fstab"), "the source guest's fstab came along");
        assertFalse(file(src, "context").equals(file(g, "context")), "a context of its own");
        host.start(g);
        try {
            assertEquals(g + "\n", host.sh(g, "hostname"));
            assertEquals(g + "\n", host.sh(g, "cat /etc/hostname"));
            assertEquals("from the source\n", host.sh(g, "cat /root/marker"));
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
        assertEquals(src, Files.readString(host.guestsDir.resolve(src).resolve("etc/hostname")).strip(), "source untouched");
    }

    @Test
    void anExistingGuestIsReplacedOnlyWithForce() throws Exception {
        String g = "b-force";
        build("vserver", g, "build", "-m", "skeleton");
        Path marker = host.guestsDir.resolve(g).resolve("root/old");
        Files.writeString(marker, "old\n");
        var again = host.cli("vserver", g, "build", "-m", "skeleton");
        assertEquals(1, again.code(), again.toString());
        assertTrue(again.err().contains("already exists") && again.err().contains("--force"), again.err());
        assertEquals(1, again.err().strip().lines().count(), again.err());
        assertTrue(Files.exists(marker), "the old guest is untouched");

        build("vserver", g, "build", "-m", "skeleton", "--force", "--hostname", "replaced");
        assertFalse(Files.exists(marker), "the old root was replaced");
        assertEquals("replaced", file(g, "uts/nodename"));
        assertEquals("replaced", Files.readString(host.guestsDir.resolve(g).resolve("etc/hostname")).strip());
    }

    @Test
    void optionsAreWrittenToTheConfiguration() throws Exception {
        String g = "b-opts";
        build("vserver", g, "build", "--context", "41234", "--hostname", "h.example",
                "--interface", "eth0:10.0.0.5/24", "--initstyle", "plain");
        assertEquals("41234", file(g, "context"));
        assertEquals("h.example", file(g, "uts/nodename"));
        assertEquals("10.0.0.5", file(g, "interfaces/00/ip"));
        assertEquals("eth0", file(g, "interfaces/00/dev"));
        assertEquals("24", file(g, "interfaces/00/prefix"));
        assertEquals("plain", file(g, "apps/init/style"));
        var show = host.cli("vserver", g, "config", "show");
        assertTrue(show.out().contains("interfaces.00.ip = 10.0.0.5"), show.out());
        var bad = host.cli("vserver", "b-badif", "build", "--interface", "eth0:not-an-ip");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--interface"), bad.err());
        assertFalse(Files.exists(host.confdir.resolve("b-badif")));
    }

    @Test
    void contextsAreAllocatedFrom40000InAFreshHost() throws Exception {
        try (TestHost fresh = new TestHost()) {
            for (int i = 0; i < 3; i++) {
                String g = "x" + i;
                var r = fresh.cli("vserver", g, "build", "-m", "skeleton");
                assertEquals(0, r.code(), r.toString());
                assertEquals(Integer.toString(40000 + i),
                        Files.readString(fresh.confdir.resolve(g).resolve("context")).strip(), g);
            }
            assertEquals("40003", Files.readString(fresh.confdir.resolve(".defaults/context.next")).strip());
            Files.writeString(fresh.confdir.resolve(".defaults/context.next"), "40004\n");
            Path taken = fresh.confdir.resolve("x1/context");
            Files.writeString(taken, "40004\n");     // an id a guest already holds is skipped
            var r = fresh.cli("vserver", "x3", "build", "-m", "skeleton");
            assertEquals(0, r.code(), r.toString());
            assertEquals("40005", Files.readString(fresh.confdir.resolve("x3/context")).strip());
        }
    }

    @Test
    void debootstrapMakesAGuestWithItsOwnDebianUserland() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debootstrap")),
                "debootstrap is not installed: apt-get install debootstrap (scripts/test installs it)");
        String mirror = "http://deb.debian.org/debian/dists/bookworm/Release";
        Assumptions.assumeTrue(reachable(mirror), "the Debian mirror is unreachable (" + mirror + "): no debootstrap build");

        String g = "b-deb";
        var r = build("vserver", g, "build", "-m", "debootstrap", "--", "-d", "bookworm");
        assertTrue(r.out().contains("Base system installed successfully"), r.out());
        Path vdir = host.guestsDir.resolve(g);
        assertEquals("sysv", file(g, "apps/init/style"));
        assertTrue(Files.isExecutable(vdir.resolve("etc/init.d/rc")), "minbase has no sysv-rc: the build wrote /etc/init.d/rc");
        assertEquals("deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\n"
                + "deb http://security.debian.org/debian-security bookworm-security main\n", Files.readString(vdir.resolve("etc/apt/sources.list")),
                "security fixes reach the guest");
        assertFalse((r.out() + r.err()).contains("NOT verified"), "verified against the host's keyring: " + r);
        assertFalse(file(g, "fstab").contains("/usr"), "no host /usr: " + file(g, "fstab"));
        Files.writeString(vdir.resolve("usr/share/vserver-it-marker"), "the guest's own /usr\n");
        host.start(g);
        try {
            assertTrue(host.sh(g, "cat /etc/debian_version").startsWith("12"));
            assertEquals("the guest's own /usr\n", host.sh(g, "cat /usr/share/vserver-it-marker"));
            String dpkg = host.sh(g, "dpkg -l");
            assertTrue(dpkg.lines().anyMatch(l -> l.matches("ii\\s+base-files\\s+12.*")), dpkg);
            long installed = Files.readAllLines(vdir.resolve("var/lib/dpkg/status")).stream()
                    .filter(l -> l.equals("Status: install ok installed")).count();
            assertEquals(installed, dpkg.lines().filter(l -> l.startsWith("ii ")).count(),
                    "dpkg in the guest reads the guest's database");
            assertEquals(g + "\n", host.sh(g, "hostname"));
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
        var del = host.cli("vserver", g, "delete");
        assertEquals(0, del.code(), del.toString());
        assertFalse(Files.exists(vdir));
    }

    private static boolean reachable(String url) {
        try (HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            var req = HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10)).build();
            return c.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }
}
