package org.vserver.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What a running guest leaves on the host besides its processes and cgroup: its init's identity
 * (pid + start time, so a recycled pid is never mistaken for the guest) and the XID.
 * Stored as {@code key=value} lines: reading it must cost nothing on the exec path.
 */
public record RunState(String name, int xid, int initPid, long initStartTicks, long startedEpochMillis, String cgroupParent) {

    public void write(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("xid", Integer.toString(xid));
        m.put("init.pid", Integer.toString(initPid));
        m.put("init.starttime", Long.toString(initStartTicks));
        m.put("started", Long.toString(startedEpochMillis));
        m.put("cgroup.parent", cgroupParent);
        var sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static RunState read(Path file) throws IOException {
        var p = new Properties();
        try (var r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        try {
            return new RunState(p.getProperty("name"), Integer.parseInt(p.getProperty("xid")),
                    Integer.parseInt(p.getProperty("init.pid")), Long.parseLong(p.getProperty("init.starttime")),
                    Long.parseLong(p.getProperty("started")), p.getProperty("cgroup.parent"));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IOException(file + ": damaged run state (" + e.getMessage() + "); `vserver NAME stop` cleans it up");
        }
    }
}
