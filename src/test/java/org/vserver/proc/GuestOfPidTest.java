package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestOfPidTest {
    static final List<String> VSERVERS = List.of("vservers");

    @Test void v1AnyHierarchyLine() {
        String cgroup = """
                9:name=systemd:/system.slice/ssh.service
                8:pids:/vservers/web
                7:blkio:/
                5:devices:/vservers/web
                4:memory:/process_api/5f2d
                0::/
                """;
        assertEquals(Optional.of("web"), GuestOfPid.guestIn(cgroup, VSERVERS));
    }

    @Test void v2TheSingleLineAndDeeperCgroups() {
        assertEquals(Optional.of("db"), GuestOfPid.guestIn("0::/vservers/db/inner/leaf\n", VSERVERS));
        assertEquals(Optional.of("db"), GuestOfPid.guestIn("0::/odd:dir/vservers/db\n", VSERVERS));
    }

    @Test void hostProcessesHaveNoGuest() {
        assertEquals(Optional.empty(), GuestOfPid.guestIn("0::/init.scope\n", VSERVERS));
        assertEquals(Optional.empty(), GuestOfPid.guestIn("8:pids:/\n0::/\n", VSERVERS));
        assertEquals(Optional.empty(), GuestOfPid.guestIn("0::/vservers\n", VSERVERS), "the parent itself");
        assertEquals(Optional.empty(), GuestOfPid.guestIn("0::/vservers-test-1/web\n", VSERVERS), "whole segments only");
    }

    @Test void nestedParent(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), "0::/machine/vservers/x\n");
        assertEquals(Optional.of("x"), new GuestOfPid(proc, "machine/vservers").guestOf(42));
        assertEquals(Optional.of("vservers"), new GuestOfPid(proc, "machine").guestOf(42));
    }

    @Test void goneProcessHasNoGuest(@TempDir Path proc) throws IOException {
        assertEquals(Optional.empty(), new GuestOfPid(proc, "vservers").guestOf(123));
    }

    @Test void thisJvmIsNotAGuest() throws IOException {
        assertEquals(Optional.empty(), new GuestOfPid(Path.of("/proc"), "vservers-none").guestOf((int) ProcessHandle.current().pid()));
    }

    @Test void emptyParentIsRejected(@TempDir Path proc) {
        assertThrows(IllegalArgumentException.class, () -> new GuestOfPid(proc, "/"));
    }
}
