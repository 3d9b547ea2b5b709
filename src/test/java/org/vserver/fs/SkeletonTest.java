package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkeletonTest {

    /** A host root with only a resolv.conf that is a link, as with systemd-resolved. */
    private static Path hostWithResolvConf(Path tmp) throws IOException {
        Path host = Files.createDirectories(tmp.resolve("host/etc"));
        Path run = Files.createDirectories(tmp.resolve("host/run/resolve"));
        Files.writeString(run.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
        Files.createSymbolicLink(host.resolve("resolv.conf"), Path.of("../run/resolve/resolv.conf"));
        return host.getParent();
    }

    @Test
    void writesTheDirectoriesFilesAndLinks(@TempDir Path tmp) throws Exception {
        Path vdir = tmp.resolve("vservers/g1");
        BuildRequest req = new BuildRequest("g1", vdir, "g1.example.org", List.of(), hostWithResolvConf(tmp), null, new LinuxSyscalls(), ProcFs.host());

        GuestTree tree = Skeleton.createRoot("skeleton", vdir);
        Skeleton.write("skeleton", tree, req, Skeleton.Resolver.FROM_HOST);

        assertEquals(0755, Shell.mode(vdir));
        for (Skeleton.Dir d : Skeleton.DIRECTORIES) {
            assertTrue(Files.isDirectory(vdir.resolve(d.path())), d.path());
            assertEquals(d.mode(), Shell.mode(vdir.resolve(d.path())), d.path());
        }
        try (var dev = Files.list(vdir.resolve("dev"))) {
            assertEquals(0, dev.count(), "dev/ stays empty: the launcher mounts a tmpfs there");
        }
        assertEquals(Path.of("../run"), Files.readSymbolicLink(vdir.resolve("var/run")));
        assertEquals(Path.of("../proc/self/mounts"), Files.readSymbolicLink(vdir.resolve("etc/mtab")));
        assertEquals("g1.example.org\n", Files.readString(vdir.resolve("etc/hostname")));
        String hosts = Files.readString(vdir.resolve("etc/hosts"));
        assertTrue(hosts.contains("127.0.0.1\tlocalhost\n"), hosts);
        assertTrue(hosts.contains("127.0.1.1\tg1.example.org g1\n"), hosts);
        assertFalse(Files.isSymbolicLink(vdir.resolve("etc/resolv.conf")), "contents, not the host's link");
        assertEquals("nameserver 192.0.2.53\n", Files.readString(vdir.resolve("etc/resolv.conf")));
    }

    @Test
    void refusesToWriteThroughEtcLinkedOutside(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("some/outside"));
        Path vdir = Files.createDirectories(tmp.resolve("vdir"));
        Files.createSymbolicLink(vdir.resolve("etc"), outside);   // a hostile template: etc -> a host directory
        BuildRequest req = new BuildRequest("g1", vdir, null, List.of(), hostWithResolvConf(tmp), null, new LinuxSyscalls(), ProcFs.host());

        BuildException e = assertThrows(BuildException.class,
                () -> Skeleton.write("template", GuestTree.of(vdir), req, Skeleton.Resolver.KEEP_GUEST));

        String m = e.getMessage();
        assertTrue(m.startsWith("build -m template: cannot write the skeleton into " + vdir.toRealPath()), m);
        assertTrue(m.contains("etc -> " + outside), m);
        assertTrue(m.contains("replace the link with a directory"), m);
        try (var files = Files.list(outside)) {
            assertEquals(List.of(), files.toList(), "nothing written into the host directory");
        }
    }

    /** runc's CVE-2021-30465 through a template: `tmp -> /`, and the default fstab's /tmp line at every start. */
    @Test
    void refusesATemplateWhoseTmpIsALinkToTheRoot(@TempDir Path tmp) throws Exception {
        Path vdir = Files.createDirectories(tmp.resolve("vdir"));
        Files.createSymbolicLink(vdir.resolve("tmp"), Path.of("/"));
        BuildRequest req = new BuildRequest("g1", vdir, null, List.of(), hostWithResolvConf(tmp), null, new LinuxSyscalls(), ProcFs.host());

        BuildException e = assertThrows(BuildException.class,
                () -> Skeleton.write("clone", GuestTree.of(vdir), req, Skeleton.Resolver.KEEP_GUEST));

        String m = e.getMessage();
        assertTrue(m.contains(vdir.toRealPath().resolve("tmp") + ": a link to / where the guest mounts /tmp at every start"), m);
        assertTrue(m.contains("replace the link with a directory"), m);
    }

    @Test
    void keepsAGuestResolvConfWhenAsked(@TempDir Path tmp) throws Exception {
        Path vdir = Files.createDirectories(tmp.resolve("vdir/etc")).getParent();
        Files.writeString(vdir.resolve("etc/resolv.conf"), "nameserver 10.0.0.1\n");
        BuildRequest req = new BuildRequest("g1", vdir, null, List.of(), hostWithResolvConf(tmp), null, new LinuxSyscalls(), ProcFs.host());

        Skeleton.write("clone", GuestTree.of(vdir), req, Skeleton.Resolver.KEEP_GUEST);

        assertEquals("nameserver 10.0.0.1\n", Files.readString(vdir.resolve("etc/resolv.conf")));
        assertEquals("g1\n", Files.readString(vdir.resolve("etc/hostname")));
    }

    @Test
    void rejectsAHostnameThatIsNotOne(@TempDir Path tmp) {
        BuildRequest req = new BuildRequest("g1", tmp, "bad\nname", List.of(), tmp, null, new LinuxSyscalls(), ProcFs.host());
        BuildException e = assertThrows(BuildException.class,
                () -> Skeleton.write("host", GuestTree.of(tmp), req, Skeleton.Resolver.FROM_HOST));
        assertTrue(e.getMessage().contains("invalid hostname"), e.getMessage());
    }
}
