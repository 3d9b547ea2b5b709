package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.vserver.kernel.Capability;

/** Fields of {@code /proc/PID/status} that stat does not carry. */
public final class ProcStatus {
    private ProcStatus() {}

    /**
     * The capability bounding set ({@code CapBnd}) of a process; {@code "self"} for the caller.
     *
     * @throws IOException if the process is gone or the line is missing
     */
    public static Set<Capability> boundingSet(String pid) throws IOException {
        return capabilities(pid, "CapBnd");
    }

    /**
     * One capability set of a process: {@code field} is CapInh, CapPrm, CapEff, CapBnd or CapAmb.
     *
     * @throws IOException if the process is gone or the line is missing
     */
    public static Set<Capability> capabilities(String pid, String field) throws IOException {
        Path status = Path.of("/proc", pid, "status");
        for (String line : Files.readAllLines(status))
            if (line.startsWith(field + ":")) return Capability.of(Long.parseUnsignedLong(line.substring(field.length() + 1).strip(), 16));
        throw new IOException(status + " has no " + field + " line");
    }
}
