package org.vserver.unify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.junit.jupiter.api.io.TempDir;

class DpkgConffilesTest {
    private static final String STATUS = """
            Package: openssh-server
            Status: install ok installed
            Conffiles:
             /etc/default/ssh 500e3cf069fe9a7b9936108eb9d9c035
             /etc/ssh/moduli 8a1d2f4b5b6c obsolete
            Description: secure shell server
             a continuation line that is not a conffile /etc/nope

            Package: bash
            Status: install ok installed
            Depends: base-files
            Conffiles:
             /etc/bash.bashrc 89269e1298235f1b12b4c16e4065ad0d
            """;

    @Test
    void statusAndInfoFiles(@TempDir Path tree) throws IOException {
        Path dpkg = Files.createDirectories(tree.resolve("var/lib/dpkg/info"));
        Files.writeString(dpkg.resolveSibling("status"), STATUS);
        Files.writeString(dpkg.resolve("cron.conffiles"), "/etc/crontab\nremove-on-upgrade /etc/cron.d/old\n");
        Files.writeString(dpkg.resolve("cron.list"), "/usr/sbin/cron\n");
        assertEquals(Set.of("/etc/default/ssh", "/etc/ssh/moduli", "/etc/bash.bashrc", "/etc/crontab", "/etc/cron.d/old"),
                DpkgConffiles.read(new LinuxSyscalls(), ProcFs.host(), tree));
    }

    @Test
    void missingDatabaseIsEmpty(@TempDir Path tree) throws IOException {
        assertEquals(Set.of(), DpkgConffiles.read(new LinuxSyscalls(), ProcFs.host(), tree));
    }

    @Test
    void symlinkOutOfTheTreeCountsAsAbsent(@TempDir Path tmp) throws IOException {
        Path host = Files.createDirectories(tmp.resolve("host/var/lib/dpkg"));
        Files.writeString(host.resolve("status"), STATUS);
        Path tree = Files.createDirectories(tmp.resolve("guest"));
        Files.createSymbolicLink(tree.resolve("var"), host.getParent().getParent());  // var -> host's /var
        assertEquals(Set.of(), DpkgConffiles.read(new LinuxSyscalls(), ProcFs.host(), tree));

        Path tree2 = Files.createDirectories(tmp.resolve("guest2/var/lib/dpkg"));
        Files.createSymbolicLink(tree2.resolve("status"), host.resolve("status"));    // the status file itself
        assertEquals(Set.of(), DpkgConffiles.read(new LinuxSyscalls(), ProcFs.host(), tmp.resolve("guest2")));
    }
}
