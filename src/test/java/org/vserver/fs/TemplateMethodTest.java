package org.vserver.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TemplateMethodTest {
    private static final int GUEST_UID = 12345;

    /** A small rootfs: os-release, an rc, a tool with an unusual mode, a link, a file of a guest-only uid. */
    private static Path rootfs(Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("etc/init.d"));
        Files.createDirectories(src.resolve("usr/lib"));
        Files.createDirectories(src.resolve("usr/bin"));
        Files.writeString(src.resolve("usr/lib/os-release"), "NAME=\"Test OS\"\nID=\"testos\"\n");
        Files.createSymbolicLink(src.resolve("etc/os-release"), Path.of("../usr/lib/os-release"));
        Files.writeString(src.resolve("etc/init.d/rc"), "#!/bin/sh\nexit 0\n");
        GuestTree.chmod(src.resolve("etc/init.d/rc"), 0755);
        Files.writeString(src.resolve("usr/bin/tool"), "#!/bin/sh\n");
        GuestTree.chmod(src.resolve("usr/bin/tool"), 04750);
        Files.writeString(src.resolve("etc/hostname"), "template\n");
        Files.writeString(src.resolve("etc/resolv.conf"), "nameserver 10.1.1.1\n");
        Files.createDirectories(src.resolve("home/user"));
        Files.writeString(src.resolve("home/user/file"), "mine\n");
        if (Shell.root()) {
            Shell.run("chown", "-R", GUEST_UID + ":" + GUEST_UID, src.resolve("home/user").toString());
        }
        return src;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gz", "xz", "zst"})
    void unpacksCompressedArchivesKeepingOwnersAndModes(String ext, @TempDir Path tmp) throws Exception {
        if (ext.equals("zst")) {
            assumeTrue(SearchPath.fromEnvironment(System.getenv()).find("zstd").isPresent(),
                    "zstd is not installed (apt-get install zstd): skipping the .tar.zst case");
        }
        Path src = rootfs(tmp);
        Path archive = tmp.resolve("rootfs.tar." + ext);
        String compress = switch (ext) {
            case "gz" -> "--gzip";
            case "xz" -> "--xz";
            default -> "--zstd";
        };
        Shell.run("tar", "--numeric-owner", compress, "-C", src.toString(), "-cf", archive.toString(), ".");
        Path vdir = tmp.resolve("vservers/t1");

        BuildResult r = new TemplateMethod(List.of(archive), null, SearchPath.fromEnvironment(System.getenv()))
                .build(Shell.request(vdir, tmp.resolve("nohost"), new StringBuilder()));

        assertEquals(BuildResult.DEFAULT_FSTAB, r.fstab());
        assertEquals("sysv", r.initStyle(), "the template has etc/init.d/rc");
        assertEquals("testos", r.distribution());
        assertEquals(04750, Shell.mode(vdir.resolve("usr/bin/tool")));
        assertEquals(Path.of("../usr/lib/os-release"), Files.readSymbolicLink(vdir.resolve("etc/os-release")));
        assertEquals("test1\n", Files.readString(vdir.resolve("etc/hostname")), "the skeleton overwrites the hostname");
        assertEquals("nameserver 10.1.1.1\n", Files.readString(vdir.resolve("etc/resolv.conf")),
                "a template's own resolv.conf is kept");
        assertTrue(Files.isDirectory(vdir.resolve("proc")));
        if (Shell.root()) {
            assertEquals(GUEST_UID, Shell.uid(vdir.resolve("home/user/file")), "numeric owner kept");
            assertEquals(GUEST_UID, Shell.gid(vdir.resolve("home/user/file")));
        } else {
            System.out.println("not root: the numeric owner check is skipped (tar cannot chown)");
        }
    }

    @Test
    void plainTemplateWithoutRc(@TempDir Path tmp) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sbin"));
        Files.writeString(src.resolve("init"), "");
        Path archive = tmp.resolve("a.tar");
        Shell.run("tar", "-C", tmp.resolve("src").toString(), "-cf", archive.toString(), ".");
        BuildResult r = new TemplateMethod(List.of(archive), "custom", SearchPath.fromEnvironment(System.getenv()))
                .build(Shell.request(tmp.resolve("vdir"), tmp, new StringBuilder()));
        assertEquals("plain", r.initStyle());
        assertEquals("custom", r.distribution());
    }

    @Test
    void missingTarball(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope.tar.gz");
        BuildException e = assertThrows(BuildException.class, () -> new TemplateMethod(List.of(missing), null,
                SearchPath.fromEnvironment(System.getenv())).build(Shell.request(tmp.resolve("vdir"), tmp, new StringBuilder())));
        assertEquals("build -m template: template " + missing + ": no such file; give an existing archive with -t",
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("vdir")));
    }

    @Test
    void missingZstdNamesTheDebianPackage(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("tar"), SearchPath.fromEnvironment(System.getenv()).find("tar").orElseThrow());
        Path archive = Files.write(tmp.resolve("rootfs.tar.zst"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0});

        BuildException e = assertThrows(BuildException.class, () -> new TemplateMethod(List.of(archive), null,
                SearchPath.of(bin.toString())).build(Shell.request(tmp.resolve("vdir"), tmp, new StringBuilder())));

        assertTrue(e.getMessage().startsWith("build -m template: zstd not found: install the Debian package 'zstd'"
                + " (apt-get install zstd)"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("vdir")));
    }

    @Test
    void aTemplateLinkingEtcOutsideIsRefused(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createSymbolicLink(src.resolve("etc"), outside);
        Path archive = tmp.resolve("evil.tar.gz");
        Shell.run("tar", "-C", src.toString(), "-czf", archive.toString(), ".");

        BuildException e = assertThrows(BuildException.class, () -> new TemplateMethod(List.of(archive), null,
                SearchPath.fromEnvironment(System.getenv())).build(Shell.request(tmp.resolve("vdir"), tmp, new StringBuilder())));

        assertTrue(e.getMessage().contains("etc -> " + outside), e.getMessage());
        try (var files = Files.list(outside)) {
            assertEquals(0, files.count(), "nothing written into the host directory");
        }
    }

    @Test
    void aBrokenArchiveNamesTheCommandAndItsOutput(@TempDir Path tmp) throws Exception {
        Path archive = Files.writeString(tmp.resolve("broken.tar"), "this is not a tar archive\n".repeat(40));
        BuildException e = assertThrows(BuildException.class, () -> new TemplateMethod(List.of(archive), null,
                SearchPath.fromEnvironment(System.getenv())).build(Shell.request(tmp.resolve("vdir"), tmp, new StringBuilder())));
        String m = e.getMessage();
        assertTrue(m.contains("--numeric-owner") && m.contains("-xpf " + archive) && m.contains("failed with exit code 2"), m);
        assertTrue(m.contains("last output:") && m.contains("does not look like a tar archive"), m);
    }
}
