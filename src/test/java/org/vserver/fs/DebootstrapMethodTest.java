package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Never runs a real debootstrap: the command line is checked, and a PATH without it. */
class DebootstrapMethodTest {
    /** The build's parser with this JVM's $PATH, as the composition root passes it. */
    private static BuildMethod parse(String method, List<String> args) throws BuildException {
        return BuildMethods.parse(method, args, SearchPath.fromEnvironment(System.getenv()));
    }

    private static final Path DEBOOTSTRAP = Path.of("/usr/sbin/debootstrap");
    private static final Path UNSHARE = Path.of("/usr/bin/unshare");

    @Test
    void missingDebootstrapSaysWhatToInstall(@TempDir Path tmp) throws Exception {
        Path emptyBin = Files.createDirectories(tmp.resolve("bin"));
        Path vdir = tmp.resolve("vdir");
        var method = new DebootstrapMethod("bookworm", null, null, List.of(), false, SearchPath.of(emptyBin.toString()));

        BuildException e = assertThrows(BuildException.class,
                () -> method.build(Shell.request(vdir, tmp, new StringBuilder())));

        assertTrue(e.getMessage().startsWith("build -m debootstrap: debootstrap not found: install the Debian package"
                + " 'debootstrap' (apt-get install debootstrap)"), e.getMessage());
        assertFalse(Files.exists(vdir), "nothing created before the tool is known to exist");
    }

    private static Path keyring(Path hostRoot, String rel) throws Exception {
        Path keyring = hostRoot.resolve(rel);
        Files.createDirectories(keyring.getParent());
        Files.writeString(keyring, "key");
        return keyring;
    }

    @Test
    void debianSuiteUsesTheDebianMirrorItsKeyringAndRunsInItsOwnMountNamespace(@TempDir Path tmp) throws Exception {
        Path keyring = keyring(tmp, DebootstrapMethod.DEBIAN_KEYRING);
        var method = (DebootstrapMethod) parse("debootstrap", List.of("-d", "bookworm", "--", "--include=less"));
        StringBuilder log = new StringBuilder();
        List<String> argv = method.command(Shell.request(tmp, tmp, log), DEBOOTSTRAP, Optional.of(UNSHARE), Path.of("/v/d1"));
        assertEquals(List.of("/usr/bin/unshare", "--mount", "--", "/usr/sbin/debootstrap", "--variant=minbase",
                "--keyring=" + keyring, "--include=less", "bookworm", "/v/d1", "http://deb.debian.org/debian"), argv);
        assertEquals("", log.toString());
    }

    @Test
    void aMissingKeyringFailsTheBuildSayingWhatToInstallUnlessInsecure(@TempDir Path tmp) throws Exception {
        var debian = (DebootstrapMethod) parse("debootstrap", List.of("-d", "bookworm"));
        BuildException e = assertThrows(BuildException.class,
                () -> debian.command(Shell.request(tmp, tmp, new StringBuilder()), DEBOOTSTRAP, Optional.empty(), Path.of("/v/d2")));
        assertTrue(e.getMessage().contains("apt-get install debian-archive-keyring") && e.getMessage().contains("--insecure"),
                e.getMessage());
        var ubuntu = (DebootstrapMethod) parse("debootstrap", List.of("-d", "noble"));
        e = assertThrows(BuildException.class,
                () -> ubuntu.command(Shell.request(tmp, tmp, new StringBuilder()), DEBOOTSTRAP, Optional.empty(), Path.of("/v/u3")));
        assertTrue(e.getMessage().contains("apt-get install ubuntu-keyring"), e.getMessage());
        BuildException unknown = assertThrows(BuildException.class,
                () -> parse("debootstrap", List.of("-d", "devuan-daedalus", "-m", "http://m/devuan")));
        assertTrue(unknown.getMessage().contains("--keyring=FILE") && unknown.getMessage().contains("--insecure"), unknown.getMessage());
    }

    @Test
    void ubuntuUsesItsKeyringWhenTheHostHasIt(@TempDir Path tmp) throws Exception {
        Path keyring = tmp.resolve(DebootstrapMethod.UBUNTU_KEYRING);
        Files.createDirectories(keyring.getParent());
        Files.writeString(keyring, "key");
        var method = (DebootstrapMethod) parse("debootstrap", List.of("-d", "noble"));

        List<String> argv = method.command(Shell.request(tmp, tmp, new StringBuilder()), DEBOOTSTRAP, Optional.empty(),
                Path.of("/v/u1"));

        assertEquals(List.of("/usr/sbin/debootstrap", "--variant=minbase", "--keyring=" + keyring, "noble", "/v/u1",
                "http://archive.ubuntu.com/ubuntu"), argv);
    }

    @Test
    void insecureSkipsTheCheckAndSaysSo(@TempDir Path tmp) throws Exception {
        var method = (DebootstrapMethod) parse("debootstrap", List.of("-d", "jammy", "-m", "http://m/ubuntu", "--insecure"));
        StringBuilder log = new StringBuilder();

        List<String> argv = method.command(Shell.request(tmp, tmp, log), DEBOOTSTRAP, Optional.empty(), Path.of("/v/u2"));

        assertEquals(List.of("/usr/sbin/debootstrap", "--variant=minbase", "--no-check-gpg", "jammy", "/v/u2",
                "http://m/ubuntu"), argv);
        assertTrue(log.toString().contains("NOT verified (--no-check-gpg)"), log.toString());
    }

    @Test
    void sourcesListGetsTheSecurityAndUpdatesSuites() {
        assertEquals(List.of("deb http://deb.debian.org/debian bookworm main", "deb http://deb.debian.org/debian bookworm-updates main",
                "deb http://security.debian.org/debian-security bookworm-security main"),
                AptSources.lines("bookworm", "http://deb.debian.org/debian", false));
        assertEquals(List.of("deb http://m/debian buster main", "deb http://m/debian buster-updates main",
                "deb http://security.debian.org/debian-security buster/updates main"), AptSources.lines("buster", "http://m/debian", false));
        assertEquals(List.of("deb http://deb.debian.org/debian sid main"), AptSources.lines("sid", "http://deb.debian.org/debian", false));
        assertEquals(List.of("deb http://archive.ubuntu.com/ubuntu noble main restricted universe",
                "deb http://archive.ubuntu.com/ubuntu noble-updates main restricted universe",
                "deb http://security.ubuntu.com/ubuntu noble-security main restricted universe"),
                AptSources.lines("noble", "http://archive.ubuntu.com/ubuntu", true));
    }
}
