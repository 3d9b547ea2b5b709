package org.vserver.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitSystemTest {
    @TempDir Path root;

    private void file(String path) throws Exception {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, "ELF");
    }

    private void link(String path, String target) throws Exception {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
    }

    @Test
    void debiansSystemdSysvLinkIsSystemd() throws Exception {
        file("/lib/systemd/systemd");
        link("/sbin/init", "/lib/systemd/systemd");
        assertTrue(InitSystem.isSystemd(root));
    }

    @Test
    void aMergedUsrTreeIsFollowedInsideTheTree() throws Exception {
        file("/usr/lib/systemd/systemd");
        link("/sbin", "usr/sbin");
        link("/usr/sbin/init", "../lib/systemd/systemd");
        assertTrue(InitSystem.isSystemd(root));
    }

    @Test
    void sysvinitIsNot() throws Exception {
        file("/sbin/init");
        assertFalse(InitSystem.isSystemd(root));
    }

    @Test
    void aLinkOutOfTheTreeIsResolvedInsideItAndALoopIsNoInit() throws Exception {
        link("/sbin/init", "/../../../lib/systemd/systemd");        // never the host's systemd
        assertFalse(InitSystem.isSystemd(root));
        Files.delete(root.resolve("sbin/init"));
        link("/sbin/init", "/sbin/init2");
        link("/sbin/init2", "/sbin/init");
        assertFalse(InitSystem.isSystemd(root));
    }

    @Test
    void anAbsoluteLinkOnTheWayIsTheTreesNotTheHosts() throws Exception {
        link("/sbin/init", "/lib/systemd/systemd");
        link("/lib", "/usr/lib");                 // on the host, /usr/lib/systemd/systemd may well exist
        assertFalse(InitSystem.isSystemd(root), "the tree has no /usr/lib/systemd/systemd");
        file("/usr/lib/systemd/systemd");
        assertTrue(InitSystem.isSystemd(root));
    }

    @Test
    void noInitAtAll() throws Exception {
        assertFalse(InitSystem.isSystemd(root));
    }
}
