package org.vserver.guest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vserver.cgroup.CgroupManager;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.SubidFiles;
import org.vserver.launch.Launcher;
import org.vserver.state.StateDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.sys.Syscalls;

/**
 * Where this host keeps guests and how it reaches the kernel: the configuration root, the run
 * state, the cgroup mechanism, the syscalls, the host's /proc and the launcher, and the command's
 * environment and output streams. One per command, made by {@link #fromEnvironment}, the
 * composition root: nothing below it makes its own syscalls, reads /proc by its own path, reads
 * the environment or writes to System.err.
 *
 * @param env the caller's environment: what commands run "as the caller's shell would" inherit
 *            ({@link #environment}), and $TERM and $PATH for the guest's commands and the build
 * @param subids root's subordinate-id files, from which guests' id ranges are allocated
 */
public record Vserver(ConfigRoot config, StateDir state, String cgroupParent, CgroupManager cgroups, Syscalls sys,
                      ProcFs proc, Launcher launcher, Map<String, String> env, PrintStream out, PrintStream err,
                      SubidFiles subids) {

    /** With the host's /etc/subuid and /etc/subgid. */
    public Vserver(ConfigRoot config, StateDir state, String cgroupParent, CgroupManager cgroups, Syscalls sys,
                   ProcFs proc, Launcher launcher, Map<String, String> env, PrintStream out, PrintStream err) {
        this(config, state, cgroupParent, cgroups, sys, proc, launcher, env, out, err, SubidFiles.DEFAULT);
    }

    /**
     * The host's real setup, with {@code --confdir} / $VSERVER_CONFDIR, $VSERVER_RUNDIR, $VSERVER_CGROUP_ROOT,
     * $VSERVER_SUBUID and $VSERVER_SUBGID applied.
     */
    public static Vserver fromEnvironment(Optional<Path> confdir, PrintStream out, PrintStream err)
            throws IOException, ConfigException {
        Map<String, String> env = System.getenv();
        ConfigRoot config = ConfigRoot.fromEnvironment(confdir, env);
        Syscalls sys = new LinuxSyscalls();
        ProcFs proc = ProcFs.host();
        String cgroupRoot = env.getOrDefault("VSERVER_CGROUP_ROOT", "/sys/fs/cgroup");
        String parent = config.cgroupParent();
        return new Vserver(config, StateDir.fromEnvironment(env), parent,
                CgroupManager.detect(Path.of(cgroupRoot), parent, proc, sys), sys, proc,
                new Launcher(Launcher.locate(env), sys), env, out, err, SubidFiles.fromEnvironment(env));
    }

    /** {@link #env} as execve(2) takes it, {@code KEY=VALUE}. */
    public List<String> environment() {
        List<String> list = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) list.add(e.getKey() + "=" + e.getValue());
        return list;
    }
}
