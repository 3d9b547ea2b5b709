package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.context.EnterPlanner;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.plan.Plan;
import org.vserver.state.RunState;

/**
 * {@code exec}, {@code suexec} and {@code enter}: a command in a running guest, with every
 * isolation of the guest applied. The fast path of {@code exec} does not come here: bin/vserver
 * hands the exec plan recorded at start straight to the launcher.
 */
public final class GuestJoin {
    /** The command did not run: a step before it failed (launcher/protocol.h VL_EXIT_SETUP). */
    public static final int EXIT_SETUP = 125;

    private final Guests guests;
    private final Vserver vs;

    public GuestJoin(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    public int exec(String name, String user, List<String> argv) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);
        RunState st = requireRunning(name);
        Map<String, String> env = new LinkedHashMap<>();
        // Interactive (stdin and stdout a terminal): the command gets a pty of the guest's own
        // devpts, as with enter, so job control and full-screen programs work and TIOCSTI can
        // only reach the guest's own pty. bin/vserver's replay fast path is for the rest.
        boolean tty = System.console() != null && System.console().isTerminal();
        if (tty) {
            String term = System.getenv("TERM");
            env.put("TERM", term != null ? term : "linux");
        }
        var cmd = new EnterPlanner.Command(argv, resolveUser(st, user), tty, env, false);
        return run(plan(cfg, st, cmd));
    }

    public int enter(String name) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);
        RunState st = requireRunning(name);
        Map<String, String> env = new LinkedHashMap<>();
        String term = System.getenv("TERM");
        env.put("TERM", term != null ? term : "linux");
        var cmd = new EnterPlanner.Command(shell(cfg, st), EnterPlanner.User.ROOT, true, env);
        return run(plan(cfg, st, cmd));
    }

    public Plan plan(GuestConfig cfg, RunState st, EnterPlanner.Command cmd) {
        var target = new EnterPlanner.Target(st.initPid(), st.initStartTicks(), vs.cgroups().procsFiles(cfg.name()));
        return new EnterPlanner().plan(cfg, target, cmd, false);
    }

    /**
     * The command's exit code; 125 if a step before it failed (its execve included), as the
     * launcher's --replay fast path of bin/vserver answers: both paths give the same result.
     */
    private int run(Plan plan) throws IOException {
        try {
            return vs.launcher().run(plan, Launcher.Stdio.INHERIT, new Launcher.Host() {}).exitCode();
        } catch (StepFailedException e) {
            vs.err().println("vserver: " + e.getMessage());
            return EXIT_SETUP;
        }
    }

    RunState requireRunning(String name) throws IOException {
        var st = guests.running(name);
        if (st.isPresent()) return st.get();
        if (vs.state().read(name).isPresent()) guests.cleanup(name);   // its init died: clean up now
        throw new GuestNotRunningException(name);
    }

    /**
     * The login shell: {@code shell} from the configuration, else the first of /bin/bash -l,
     * /bin/sh -l that exists in the guest (looked up through the init's root).
     */
    List<String> shell(GuestConfig cfg, RunState st) {
        if (!cfg.shell().isEmpty()) return cfg.shell();
        Path root = Path.of("/proc/" + st.initPid() + "/root");
        for (String sh : List.of("/bin/bash", "/bin/sh"))
            if (Files.isExecutable(root.resolve(sh.substring(1)))) return List.of(sh, "-l");
        return List.of("/bin/sh", "-l");
    }

    /**
     * A user of the guest by name or number, from the guest's own /etc/passwd and /etc/group
     * (read through the init's root; symlinks are not followed, the files are the guest's).
     */
    EnterPlanner.User resolveUser(RunState st, String user) throws IOException {
        if (user == null || user.equals("root") || user.equals("0")) return EnterPlanner.User.ROOT;
        Path etc = Path.of("/proc/" + st.initPid() + "/root/etc");
        for (String line : readGuestFile(etc.resolve("passwd"))) {
            String[] f = line.split(":", -1);
            if (f.length < 7) continue;
            if (f[0].equals(user) || f[2].equals(user)) {
                int uid = Integer.parseInt(f[2]), gid = Integer.parseInt(f[3]);
                List<Integer> groups = new ArrayList<>(List.of(gid));
                for (String g : readGuestFile(etc.resolve("group"))) {
                    String[] gf = g.split(":", -1);
                    if (gf.length >= 4 && List.of(gf[3].split(",")).contains(f[0])) groups.add(Integer.parseInt(gf[2]));
                }
                return new EnterPlanner.User(uid, gid, groups, f[0], f[5].isEmpty() ? "/" : f[5]);
            }
        }
        if (user.chars().allMatch(Character::isDigit)) {
            int uid = Integer.parseInt(user);
            return new EnterPlanner.User(uid, uid, List.of(), user, "/");
        }
        throw new IOException("no user '" + user + "' in the guest's /etc/passwd");
    }

    private static List<String> readGuestFile(Path p) throws IOException {
        if (Files.isSymbolicLink(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return List.of();
        return Files.readAllLines(p);
    }
}
