package org.vserver.guest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.vserver.cgroup.CgroupManager;
import org.vserver.config.ConfigRoot;
import org.vserver.launch.Launcher;
import org.vserver.state.StateDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.config.ConfigException;

/**
 * Where this host keeps guests and how it reaches the kernel: the configuration root, the run
 * state, the cgroup mechanism, the syscalls and the launcher. One per command; no global state.
 */
public record Vserver(ConfigRoot config, StateDir state, String cgroupParent, CgroupManager cgroups, Syscalls sys,
                      Launcher launcher, PrintStream out, PrintStream err) {

    /** The host's real setup, with {@code --confdir} / $VSERVER_CONFDIR and $VSERVER_RUNDIR applied. */
    public static Vserver fromEnvironment(Optional<Path> confdir, PrintStream out, PrintStream err)
            throws IOException, ConfigException {
        ConfigRoot config = ConfigRoot.fromEnvironment(confdir);
        Syscalls sys = new LinuxSyscalls();
        String cgroupRoot = System.getenv().getOrDefault("VSERVER_CGROUP_ROOT", "/sys/fs/cgroup");
        String parent = config.cgroupParent();
        return new Vserver(config, StateDir.fromEnvironment(), parent, CgroupManager.detect(Path.of(cgroupRoot), parent), sys,
                new Launcher(Launcher.locate(), sys), out, err);
    }
}
