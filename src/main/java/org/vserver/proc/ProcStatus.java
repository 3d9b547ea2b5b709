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
     * The capability bounding set ({@code CapBnd}) of a process.
     *
     * @param process the process's /proc directory ({@code ProcFs.pid(n)}, {@code ProcFs.self()}, or a fixture)
     * @throws IOException if the process is gone or the line is missing
     */
    public static Set<Capability> boundingSet(Path process) throws IOException {
        return capabilities(process, "CapBnd");
    }

    /**
     * One capability set of a process: {@code field} is CapInh, CapPrm, CapEff, CapBnd or CapAmb.
     *
     * @param process the process's /proc directory
     * @throws IOException if the process is gone or the line is missing
     */
    public static Set<Capability> capabilities(Path process, String field) throws IOException {
        Path status = process.resolve("status");
        for (String line : Files.readAllLines(status))
            if (line.startsWith(field + ":")) return Capability.of(Long.parseUnsignedLong(line.substring(field.length() + 1).strip(), 16));
        throw new IOException(status + " has no " + field + " line");
    }
}
