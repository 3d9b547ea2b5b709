package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vserver.config.IdRange;

/**
 * {@code /proc/PID/uid_map} and {@code gid_map}: the user namespace a process runs in, as the host
 * ids its ids 0..COUNT-1 are. What joins a running guest asks the kernel, not the configuration:
 * the files may have changed since the guest started ({@code userns/disabled} created meanwhile),
 * the namespace it runs in has not.
 *
 * @param uid the host uids of the process's uids 0..
 * @param gid the host gids of its gids 0..
 */
public record ProcIdMaps(IdRange uid, IdRange gid) {
    /** The identity map of the host's own user namespace. */
    static final String HOST_MAP = "0 0 4294967295";

    /**
     * The maps of the process whose /proc directory is {@code pidDir}; empty if it runs in the
     * host's user namespace.
     *
     * @throws IOException the process is gone, or its namespace maps ids in a way no guest's does
     *                     (several lines, or not from 0)
     */
    public static Optional<ProcIdMaps> read(Path pidDir) throws IOException {
        Optional<IdRange> uid = range(pidDir.resolve("uid_map")), gid = range(pidDir.resolve("gid_map"));
        if (uid.isEmpty() && gid.isEmpty()) return Optional.empty();
        if (uid.isEmpty() || gid.isEmpty()) throw new IOException(pidDir + ": uid_map and gid_map disagree on the user namespace");
        return Optional.of(new ProcIdMaps(uid.get(), gid.get()));
    }

    private static Optional<IdRange> range(Path map) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(map).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (NoSuchFileException e) {
            throw new IOException("process gone: " + map + " does not exist", e);
        }
        if (lines.size() == 1 && lines.getFirst().replaceAll("\\s+", " ").equals(HOST_MAP)) return Optional.empty();
        String[] f = lines.size() == 1 ? lines.getFirst().split("\\s+") : new String[0];
        if (f.length != 3 || !f[0].equals("0"))
            throw new IOException(map + ": " + lines + " is not one range from id 0, as a guest's user namespace maps");
        return Optional.of(new IdRange(Long.parseLong(f[1]), Long.parseLong(f[2])));
    }
}
