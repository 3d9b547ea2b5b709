package org.vserver.launch;

import org.vserver.plan.Step;

/** The syscall and path a step stands for, as error messages name them: {@code mount(`/proc`)}. */
final class StepCall {
    private StepCall() {}

    static String of(Step step) {
        return switch (step) {
            case Step.CloseFrom s -> "close_range(" + s.fd() + ")";
            case Step.Unshare s -> "unshare(" + s.namespaces() + ")";
            case Step.SetNs s -> call("setns", s.path());
            case Step.Clone s -> "clone(" + s.namespaces() + ")";
            case Step.Await s -> "await(" + s.sync() + ")";
            case Step.SetHostname s -> call("sethostname", s.name());
            case Step.SetDomainname s -> call("setdomainname", s.name());
            case Step.Mkdir s -> call("mkdir", s.path());
            case Step.Mknod s -> call("mknod", s.path());
            case Step.Symlink s -> call("symlink", s.linkPath());
            case Step.Mount s -> call("mount", s.target());
            case Step.Umount s -> call("umount2", s.target());
            case Step.PivotRoot s -> call("pivot_root", s.newRoot());
            case Step.Chdir s -> call("chdir", s.path());
            case Step.VerifyCwd s -> "the working directory and root check (getcwd() must be `" + s.path()
                    + "`, inside the root, and `/..` must be `/`)";
            case Step.OpenStdio s -> call("open", s.path()) + " as stdout and stderr";
            case Step.SetRlimit s -> "setrlimit(RLIMIT_" + s.resource() + ")";
            case Step.SetPriority s -> "setpriority(" + s.nice() + ")";
            case Step.OpenFd s -> call("open", s.path());
            case Step.WriteFd s -> "write(fd " + s.fd() + ")";
            case Step.SetIoprio s -> "ioprio_set(" + s.ioClass() + ", " + s.data() + ")";
            case Step.Setsid s -> "setsid()";
            case Step.SetIds s -> "setresuid(" + s.uid() + ")";
            case Step.SetCaps s -> "capset()";
            case Step.NoNewPrivs s -> "prctl(PR_SET_NO_NEW_PRIVS)";
            case Step.Exec s -> call("execve", s.path());
            case Step.ExecArgv s -> "execve()";
            case Step.WriteFile s -> call("write", s.path());
            case Step.VerifyProc s -> call("open", "/proc/" + s.pid() + "/stat");
            case Step.PtyRelay s -> call("posix_openpt", "/dev/ptmx");
            case Step.Reaper s -> "fork()";
            case Step.SetUmask s -> "umask()";
            case Step.SetNsPid s -> call("setns", "pid " + s.pid());
            case Step.OpenRoot s -> call("open", s.path());
            case Step.MkdirIn s -> inRoot("mkdir", s.path());
            case Step.MknodIn s -> inRoot("mknod", s.path());
            case Step.SymlinkIn s -> inRoot("symlink", s.linkPath());
            case Step.MountIn s -> inRoot("mount", s.target());
            case Step.BindIn s -> inRoot("mount", s.target());
            case Step.Seccomp s -> "seccomp(SECCOMP_SET_MODE_FILTER, " + s.program().insns().size() + " instructions)";
            case Step.LandlockScope s -> "landlock_restrict_self(scoped 0x" + Long.toHexString(s.scoped()) + ")";
        };
    }

    private static String call(String syscall, String path) { return syscall + "(`" + path + "`)"; }

    private static String inRoot(String syscall, String path) { return syscall + "(`" + path + "` in the guest)"; }
}
