package org.vserver.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.vserver.state.RunState;
import org.vserver.state.StateDir;
import org.vserver.state.Xid;

/**
 * vps's CONTEXT of a pid, from the kernel only: {@code /proc/PID/cgroup} (the {@link GuestOfPid}
 * rule) against the guests running now, never from a command line. bin/vps.awk implements the
 * same rules for the JVM-less path (VpsAwkAgreementTest keeps them equal):
 * <ul>
 *   <li>parents: the configured cgroup parent and those the running guests were started under,
 *       sorted; the first one under which a cgroup line names a guest decides;</li>
 *   <li>that guest running under that parent: "XID NAME"; not running (a stale cgroup): "? NAME";</li>
 *   <li>no guest, or the process is gone since ps listed it: the host, "0 MAIN" (ps's own helpers
 *       exit before the lookup and are host processes);</li>
 *   <li>the ps process itself: the spectator, "1 ALL_PROC", as in VServer.</li>
 * </ul>
 */
public final class ContextOfPid {
    /** A context as vps shows it; {@code xid} -1 for a guest that is not running. */
    public record Context(int xid, String name) {
        public static final Context HOST = new Context(Xid.HOST, Xid.HOST_NAME);
        public static final Context SPECTATOR = new Context(Xid.SPECTATOR, Xid.SPECTATOR_NAME);

        public String text() { return Xid.format(xid) + " " + name; }
    }

    private final Path proc;
    private final List<List<String>> parents = new ArrayList<>();
    private final Map<String, Context> running = new HashMap<>();   // "parent/name" -> context
    private final int spectatorPid;

    /**
     * @param proc           /proc, or a fixture
     * @param running        the guests running now
     * @param configured     the configured parent of all guests (ConfigRoot.cgroupParent)
     * @param spectatorPid   the pid of the ps process, -1 if unknown
     */
    public ContextOfPid(Path proc, List<RunState> running, String configured, int spectatorPid) {
        this.proc = proc;
        this.spectatorPid = spectatorPid;
        var sorted = new TreeSet<String>();
        sorted.add(normal(configured).isEmpty() ? "vservers" : normal(configured));
        for (RunState st : running) {
            String p = normal(st.cgroupParent());
            if (p.isEmpty()) continue;
            sorted.add(p);
            this.running.put(p + "/" + st.name(), new Context(st.xid(), st.name()));
        }
        for (String p : sorted) parents.add(List.of(p.split("/")));
    }

    /** The guests of {@code state} whose init (pid and start time in {@code proc}) is alive, as vps.awk decides it. */
    public static List<RunState> running(Path proc, StateDir state) throws IOException {
        List<RunState> out = new ArrayList<>();
        for (String name : state.names()) {
            try {
                Optional<RunState> st = state.read(name);
                if (st.isEmpty() || st.get().name() == null || st.get().name().isEmpty()) continue;
                if (GuestProcess.initOf(st.get()).isAlive(proc)) out.add(st.get());
            } catch (IOException damagedOrUnreadable) {
                // not running as far as vps can tell; `vserver NAME stop` cleans it up
            }
        }
        return out;
    }

    public Context of(int pid) {
        if (pid == spectatorPid) return Context.SPECTATOR;
        String cgroup;
        try {
            cgroup = Files.readString(proc.resolve(Integer.toString(pid)).resolve("cgroup"));
        } catch (IOException gone) {
            return Context.HOST;
        }
        for (List<String> parent : parents) {
            Optional<String> g = GuestOfPid.guestIn(cgroup, parent);
            if (g.isPresent()) return running.getOrDefault(String.join("/", parent) + "/" + g.get(), new Context(-1, g.get()));
        }
        return Context.HOST;
    }

    private static String normal(String path) {
        if (path == null) return "";
        var segs = new ArrayList<String>();
        for (String s : path.strip().split("/")) if (!s.isEmpty()) segs.add(s);
        return String.join("/", segs);
    }
}
