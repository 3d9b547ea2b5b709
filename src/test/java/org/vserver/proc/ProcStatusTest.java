package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.kernel.Capability;
import org.vserver.sys.ProcFs;

/** ProcStatus on a fixture /proc: the reader goes where the ProcFs points, not to the host's /proc. */
class ProcStatusTest {
    @TempDir Path tmp;

    /** A status file as the kernel writes it, trimmed to the capability lines and one other. */
    private ProcFs fixture() throws IOException {
        ProcFs proc = new ProcFs(tmp);
        Files.createDirectories(proc.pid(4242));
        Files.writeString(proc.pid(4242).resolve("status"), """
                Name:\tinit
                CapInh:\t0000000000000000
                CapPrm:\t0000000000000401
                CapEff:\t0000000000000400
                CapBnd:\t0000000000001401
                CapAmb:\t0000000000000000
                """);
        Files.createSymbolicLink(proc.self(), Path.of("4242"));   // as the kernel's self link
        return proc;
    }

    @Test void readsTheCapabilitySetsOfAProcessInTheFixture() throws IOException {
        ProcFs proc = fixture();
        assertEquals(EnumSet.of(Capability.CHOWN, Capability.NET_BIND_SERVICE, Capability.NET_ADMIN),
                ProcStatus.boundingSet(proc.pid(4242)));
        assertEquals(EnumSet.of(Capability.NET_BIND_SERVICE), ProcStatus.capabilities(proc.self(), "CapEff"));
        assertEquals(EnumSet.of(Capability.CHOWN, Capability.NET_BIND_SERVICE), ProcStatus.capabilities(proc.self(), "CapPrm"));
        assertTrue(ProcStatus.capabilities(proc.self(), "CapAmb").isEmpty());
    }

    @Test void aMissingLineOrProcessNamesTheFile() throws IOException {
        ProcFs proc = fixture();
        Files.writeString(proc.pid(4242).resolve("status"), "Name:\tinit\n");
        var e = assertThrows(IOException.class, () -> ProcStatus.boundingSet(proc.pid(4242)));
        assertEquals(proc.pid(4242).resolve("status") + " has no CapBnd line", e.getMessage());
        assertThrows(IOException.class, () -> ProcStatus.boundingSet(proc.pid(7)), "a process that is gone");
    }
}
