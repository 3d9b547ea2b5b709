package org.vserver.guest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vserver.config.ConfigException;
import org.vserver.config.GuestConfig;
import org.vserver.context.EnterPlanner;
import org.vserver.fs.GuestFiles;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.plan.Plan;
import org.vserver.proc.GuestProcess;
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
            String term = vs.env().get("TERM");
            env.put("TERM", term != null ? term : "linux");
        }
        var cmd = new EnterPlanner.Command(argv, resolveUser(st, user), tty, env, false);
        return run(plan(cfg, st, cmd));
    }

    public int enter(String name) throws IOException, ConfigException {
        GuestConfig cfg = guests.config(name);
        RunState st = requireRunning(name);
        Map<String, String> env = new LinkedHashMap<>();
        String term = vs.env().get("TERM");
        env.put("TERM", term != null ? term : "linux");
        var cmd = new EnterPlanner.Command(shell(cfg, st), EnterPlanner.User.ROOT, true, env);
        return run(plan(cfg, st, cmd));
    }

    public Plan plan(GuestConfig cfg, RunState st, EnterPlanner.Command cmd) throws IOException {
        return new EnterPlanner().plan(cfg, guests.joinTarget(cfg.name(), st), cmd, false);
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
        try {
            return guests.requireRunning(name);
        } catch (GuestNotRunningException e) {
            if (vs.state().read(name).isPresent()) guests.cleanup(name);   // its init died: clean up now
            throw e;
        }
    }

    /**
     * The login shell: {@code shell} from the configuration, else the first of /bin/bash -l,
     * /bin/sh -l that is an executable file in the guest (looked up inside the init's root by
     * {@link GuestFiles}: a link to a host path says nothing about the host).
     */
    List<String> shell(GuestConfig cfg, RunState st) throws IOException {
        if (!cfg.shell().isEmpty()) return cfg.shell();
        try (GuestFiles guest = GuestFiles.ofProcess(vs.sys(), vs.proc(), GuestProcess.initOf(st))) {
            for (String sh : List.of("/bin/bash", "/bin/sh")) {
                var f = guest.stat(sh);
                if (f.isPresent() && f.get().isRegular() && (f.get().mode() & 0111) != 0) return List.of(sh, "-l");
            }
        }
        return List.of("/bin/sh", "-l");
    }

    /**
     * A user of the guest by name or number, from the guest's own /etc/passwd and /etc/group, read
     * by {@link GuestFiles} in the root of the guest's init as the guest's mount namespace sees it
     * (the guest's own mounts count, as they do for its own programs): links resolve inside the
     * guest, the files must be regular and at most {@link GuestFiles#MAX_BYTES}. A numeric user
     * that the guest does not list runs as that uid with its own number as group.
     */
    EnterPlanner.User resolveUser(RunState st, String user) throws IOException {
        if (user == null || user.equals("root") || user.equals("0")) return EnterPlanner.User.ROOT;
        try (GuestFiles guest = GuestFiles.ofProcess(vs.sys(), vs.proc(), GuestProcess.initOf(st))) {
            for (String line : guest.lines("/etc/passwd")) {
                String[] f = line.split(":", -1);
                if (f.length < 7) continue;
                if (f[0].equals(user) || f[2].equals(user)) {
                    int uid = number(f[2], "/etc/passwd", line), gid = number(f[3], "/etc/passwd", line);
                    List<Integer> groups = new ArrayList<>(List.of(gid));
                    for (String g : guest.lines("/etc/group")) {
                        String[] gf = g.split(":", -1);
                        if (gf.length >= 4 && List.of(gf[3].split(",")).contains(f[0])) groups.add(number(gf[2], "/etc/group", g));
                    }
                    return new EnterPlanner.User(uid, gid, groups, f[0], f[5].isEmpty() ? "/" : f[5]);
                }
            }
        }
        if (user.chars().allMatch(Character::isDigit)) {
            int uid = Integer.parseInt(user);
            return new EnterPlanner.User(uid, uid, List.of(), user, "/");
        }
        throw new IOException("no user '" + user + "' in the guest's /etc/passwd");
    }

    private static int number(String field, String file, String line) throws IOException {
        try {
            return Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new IOException("the guest's " + file + " has a line with a bad number '" + field + "': " + line);
        }
    }
}
