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
 */
public record Vserver(ConfigRoot config, StateDir state, String cgroupParent, CgroupManager cgroups, Syscalls sys,
                      ProcFs proc, Launcher launcher, Map<String, String> env, PrintStream out, PrintStream err) {

    /** The host's real setup, with {@code --confdir} / $VSERVER_CONFDIR, $VSERVER_RUNDIR and $VSERVER_CGROUP_ROOT applied. */
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
                new Launcher(Launcher.locate(env), sys), env, out, err);
    }

    /** {@link #env} as execve(2) takes it, {@code KEY=VALUE}. */
    public List<String> environment() {
        List<String> list = new ArrayList<>();
        for (Map.Entry<String, String> e : env.entrySet()) list.add(e.getKey() + "=" + e.getValue());
        return list;
    }
}
