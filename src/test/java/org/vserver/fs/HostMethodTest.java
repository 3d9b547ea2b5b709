package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.testsupport.RequiresRoot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Builds from the real host ("/"), which must be usrmerged: this project's hosts are (Debian 12). */
class HostMethodTest {
    private static final Path HOST = Path.of("/");

    @RequiresRoot("copies root-only files (shadow) and sets owners")
    @Test
    void buildsAGuestFromTheHost(@TempDir Path tmp) throws Exception {
        Path vdir = tmp.resolve("vservers/h1");
        StringBuilder log = new StringBuilder();

        BuildResult r = new HostMethod().build(Shell.request(vdir, HOST, log));

        assertEquals(List.of("/usr /usr none bind,ro 0 0", "none /proc proc defaults 0 0",
                "none /tmp tmpfs size=16m,mode=1777 0 0", "none /dev/pts devpts gid=5,mode=620 0 0"), r.fstab());
        assertEquals("sysv", r.initStyle());
        assertEquals("host", r.distribution());

        for (String merged : HostMethod.MERGED) {
            Path host = HOST.resolve(merged);
            if (Files.isSymbolicLink(host)) {
                assertEquals(Files.readSymbolicLink(host), Files.readSymbolicLink(vdir.resolve(merged)), merged);
            } else {
                assertFalse(Files.exists(vdir.resolve(merged)), merged);
            }
        }
        try (var usr = Files.list(vdir.resolve("usr"))) {
            assertEquals(0, usr.count(), "usr/ is a mount point for the host's /usr");
        }
        for (String dir : List.of("dev", "proc", "sys", "tmp", "var/tmp", "var/log", "var/lib", "var/cache",
                "var/spool", "var/mail", "root", "home", "etc/profile.d", "etc/pam.d", "etc/rc3.d", "etc/rcS.d")) {
            assertTrue(Files.isDirectory(vdir.resolve(dir)), dir);
        }
        assertEquals(01777, Shell.mode(vdir.resolve("tmp")));
        assertEquals(0700, Shell.mode(vdir.resolve("root")));
        assertEquals(Files.readString(HOST.resolve("etc/group")), Files.readString(vdir.resolve("etc/group")));
        assertTrue(Files.readString(vdir.resolve("etc/passwd")).startsWith("root:x:0:0:"));
        assertTrue(Files.isRegularFile(vdir.resolve("etc/nsswitch.conf")));
        assertTrue(Files.isRegularFile(vdir.resolve("root/.profile")));
        assertEquals("test1\n", Files.readString(vdir.resolve("etc/hostname")));
        if (Files.isSymbolicLink(HOST.resolve("etc/os-release"))) {
            assertEquals(Files.readSymbolicLink(HOST.resolve("etc/os-release")),
                    Files.readSymbolicLink(vdir.resolve("etc/os-release")), "links stay links");
        }
        try (var alternatives = Files.list(vdir.resolve("etc/alternatives"))) {
            assertTrue(alternatives.filter(p -> !p.getFileName().toString().equals("README"))
                    .allMatch(Files::isSymbolicLink), "alternatives are copied as links");
        }
        try (var initd = Files.list(vdir.resolve("etc/init.d"))) {
            assertEquals(List.of(vdir.resolve("etc/init.d/rc")), initd.toList(), "no host daemon scripts");
        }
        assertFalse(Files.exists(vdir.resolve("etc/security/opasswd")));
        try (var dev = Files.list(vdir.resolve("dev"))) {
            assertEquals(0, dev.count());
        }
        removeQuietly(vdir);
    }

    /**
     * rm -rf ourselves: @TempDir's cleanup logs one warning per link that points out of the temp
     * directory, and a host-method guest has hundreds (etc/alternatives).
     */
    private static void removeQuietly(Path vdir) throws Exception {
        Shell.run("rm", "-rf", "--one-file-system", vdir.toString());
    }

    @RequiresRoot("reads /etc/shadow")
    @Test
    void shadowIsLockedAndKeepsItsModeAndGroup(@TempDir Path tmp) throws Exception {
        Path vdir = tmp.resolve("h2");
        new HostMethod().build(Shell.request(vdir, HOST, new StringBuilder()));

        for (String name : List.of("shadow", "gshadow")) {
            Path host = HOST.resolve("etc").resolve(name);
            if (!Files.exists(host)) {
                continue;
            }
            Path guest = vdir.resolve("etc").resolve(name);
            assertEquals(0640, Shell.mode(guest), name);
            assertEquals(0, Shell.uid(guest), name);
            assertEquals(Shell.gid(host), Shell.gid(guest), name);
            List<String> lines = Files.readAllLines(guest);
            assertEquals(Files.readAllLines(host).size(), lines.size(), name);
            for (String line : lines) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(":", -1);
                // never print the line: it would put a hash into the test report
                if (!(f[1].equals("*") || f[1].startsWith("!"))) {
                    fail(name + ": the password field of " + f[0] + " is not locked");
                }
            }
        }
        removeQuietly(vdir);
    }

    @RequiresRoot("the host method needs root")
    @Test
    void sysvRcRunsStartScriptsInOrder(@TempDir Path tmp) throws Exception {
        Path vdir = tmp.resolve("h3");
        new HostMethod().build(Shell.request(vdir, HOST, new StringBuilder()));
        Path rc = vdir.resolve("etc/init.d/rc");
        assertTrue(Files.isExecutable(rc));
        assertEquals(0755, Shell.mode(rc));

        Path marker = tmp.resolve("marker");
        script(vdir.resolve("etc/rc3.d/S10first"), "echo \"first $1 $RUNLEVEL\" >> " + marker, true);
        script(vdir.resolve("etc/rc3.d/S20second"), "echo \"second $1\" >> " + marker, true);
        script(vdir.resolve("etc/rc3.d/S15disabled"), "echo disabled >> " + marker, false);
        script(vdir.resolve("etc/rc3.d/K10stop"), "echo wrong >> " + marker, true);
        script(vdir.resolve("etc/rc6.d/K10stop"), "echo \"stop $1\" >> " + marker, true);

        Shell.run("sh", rc.toString(), "3");
        assertEquals("first start 3\nsecond start\n", Files.readString(marker));
        Files.delete(marker);
        Shell.run("sh", rc.toString(), "6");
        assertEquals("stop stop\n", Files.readString(marker));
        removeQuietly(vdir);
    }

    private static void script(Path p, String body, boolean executable) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        GuestTree.chmod(p, executable ? 0755 : 0644);
    }

    @Test
    void refusesAHostThatIsNotUsrmerged(@TempDir Path tmp) throws Exception {
        Path host = Files.createDirectories(tmp.resolve("host"));
        Files.createDirectories(host.resolve("bin"));
        Files.createDirectories(host.resolve("usr/bin"));
        Path vdir = tmp.resolve("vdir");

        BuildException e = assertThrows(BuildException.class,
                () -> new HostMethod().build(Shell.request(vdir, host, new StringBuilder())));

        assertTrue(e.getMessage().startsWith("build -m host: the host method needs a usrmerged host"), e.getMessage());
        assertTrue(e.getMessage().contains(host.resolve("bin") + " is a directory, not a link to usr/bin"), e.getMessage());
        assertFalse(Files.exists(vdir), "refused before touching the vdir");
    }
}
