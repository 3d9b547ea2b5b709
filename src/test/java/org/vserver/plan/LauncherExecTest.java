package org.vserver.plan;

import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Rlimit;
import org.vserver.kernel.Capability;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.proc.ProcStatus;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.RequiresRoot;

/**
 * Runs the launcher on small real plans: {@code --replay PLAN -- CMD...}, and the channel mode
 * with fds 3 and 4 opened by a shell on files. Needs root (namespaces, mounts, capabilities).
 */
@RequiresRoot("namespaces, mounts, capabilities")
class LauncherExecTest {

    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C");
    static final int ENOENT = 2, ESRCH = 3, EACCES = 13, EINVAL = 22, EPIPE = 32, EPROTO = 71;

    @TempDir Path dir;

    record Result(int exit, String out, String err) {
        String trimmed() { return out.strip(); }
    }

    static String launcher() {
        String p = System.getProperty("vserver.launcher");
        assertTrue(p != null && Files.isExecutable(Path.of(p)), "vserver.launcher not built: " + p);
        return p;
    }

    Result run(List<String> cmd, byte[] stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        Path in = Files.createTempFile(dir, "in", ".txt");
        Files.write(in, stdin);
        Process p = new ProcessBuilder(cmd).redirectInput(in.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("launcher hangs: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** --replay PLAN -- CMD... with stdin from a file holding STDIN. */
    Result replayWithInput(Plan plan, String stdin, String... cmd) throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "plan", ".bin");
        Files.write(file, PlanWriter.write(plan));
        var args = new ArrayList<>(List.of(launcher(), "--replay", file.toString(), "--"));
        args.addAll(Arrays.asList(cmd));
        return run(args, stdin.getBytes(StandardCharsets.UTF_8));
    }

    Result replay(Plan plan, String... cmd) throws Exception {
        return replayWithInput(plan, "", cmd);
    }

    static Plan plan(Step... steps) {
        return Plan.builder().addAll(List.of(steps)).build();
    }

    static void assertOk(Result r) {
        assertEquals(0, r.exit(), "exit " + r.exit() + ", stderr: " + r.err() + ", stdout: " + r.out());
    }

    // --- replay ---

    @Test
    void closeFromAndRlimit() throws Exception {
        Path file = Files.createTempFile(dir, "plan", ".bin");
        String count = "ulimit -n; ulimit -Hn; ls /proc/self/fd | wc -l";
        for (int closeFrom : new int[] {3, 8}) {
            Files.write(file, PlanWriter.write(plan(new Step.CloseFrom(closeFrom),
                    new Step.SetRlimit(Rlimit.NOFILE, 100, 200), new Step.ExecArgv(ENV))));
            // fds 7 and 9 are open when the launcher starts
            Result r = run(List.of("/bin/sh", "-c", "exec \"$0\" --replay \"$1\" -- /bin/sh -c \"$2\" 7</dev/null 9</dev/null",
                    launcher(), file.toString(), count), new byte[0]);
            assertOk(r);
            // fds 0-2 and the one ls reads /proc/self/fd with; CLOSE_FROM 8 leaves 7
            String fds = closeFrom == 3 ? "4" : "5";
            assertEquals(List.of("100", "200", fds), r.trimmed().lines().map(String::strip).toList());
        }
    }

    @Test
    void unshareUtsAndHostname() throws Exception {
        Result r = replay(plan(new Step.Unshare(EnumSet.of(Namespace.UTS)), new Step.SetHostname("vl-test-host"),
                new Step.SetDomainname("vl.example"), new Step.ExecArgv(ENV)),
                "sh", "-c", "hostname; cat /proc/sys/kernel/domainname");
        assertOk(r);
        assertEquals("vl-test-host\nvl.example", r.trimmed());
    }

    @Test
    void setnsIntoOwnNamespaceAndMissingPath() throws Exception {
        assertOk(replay(plan(new Step.SetNs("/proc/self/ns/uts", Namespace.UTS), new Step.ExecArgv(ENV)), "true"));
        Result r = replay(plan(new Step.SetNs("/proc/999999999/ns/mnt", Namespace.MNT), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 SETNS: open(`/proc/999999999/ns/mnt`) failed: "
                + "No such file or directory (ENOENT)\n", r.err());
    }

    static long startTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[22 - 3]);
    }

    @Test
    void verifyProc() throws Exception {
        long pid = ProcessHandle.current().pid();
        assertOk(replay(plan(new Step.VerifyProc((int) pid, startTicks(pid)), new Step.ExecArgv(ENV)), "true"));

        Result stale = replay(plan(new Step.VerifyProc((int) pid, startTicks(pid) + 1), new Step.ExecArgv(ENV)), "true");
        assertEquals(124, stale.exit(), stale.err());
        assertEquals("", stale.err());

        Result gone = replay(plan(new Step.VerifyProc(Integer.MAX_VALUE, 1), new Step.ExecArgv(ENV)), "true");
        assertEquals(124, gone.exit(), gone.err());
        assertEquals("", gone.err());
    }

    @Test
    void verifyProcParsesACommWithSpacesAndParens() throws Exception {
        Path odd = dir.resolve("a b) c");
        Files.copy(Path.of("/bin/sleep"), odd);
        odd.toFile().setExecutable(true);
        Process p = new ProcessBuilder(odd.toString(), "30").start();
        try {
            Thread.sleep(100);
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            assertTrue(stat.contains("(a b) c)"), stat);
            assertOk(replay(plan(new Step.VerifyProc((int) p.pid(), startTicks(p.pid())), new Step.ExecArgv(ENV)), "true"));
            assertEquals(124, replay(plan(new Step.VerifyProc((int) p.pid(), startTicks(p.pid()) - 1),
                    new Step.ExecArgv(ENV)), "true").exit());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void failingMountNamesCallPathAndErrno() throws Exception {
        Path missing = dir.resolve("missing/sub");
        Result r = replay(plan(new Step.CloseFrom(3), new Step.Mount("none", missing.toString(), "tmpfs", Set.of(), null),
                new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 1 MOUNT: mount(`" + missing + "`) failed: No such file or directory (ENOENT)\n",
                r.err());
        assertEquals("", r.out());
    }

    /** MOUNT_LOOP failing on its image, before any loop device is taken (the mount itself is the lead's IT: it binds a device). */
    @Test
    void mountLoopNamesTheImageItCannotOpen() throws Exception {
        Path missing = dir.resolve("missing.img"), target = Files.createDirectory(dir.resolve("t"));
        Result r = replay(plan(new Step.MountLoop(missing.toString(), target.toString(), "ext4", Set.of(), null),
                new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 MOUNT_LOOP: open(`" + missing + "`) failed: No such file or directory (ENOENT)\n",
                r.err());
        r = replay(plan(new Step.MountLoop(target.toString(), target.toString(), "ext4", Set.of(), null),
                new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 0 MOUNT_LOOP: open(`" + target + "`) failed: Is a directory (EISDIR)\n", r.err(),
                "opened read-write");

        Channel c = channel(PlanWriter.write(plan(new Step.CloseFrom(5),
                new Step.MountLoop(missing.toString(), target.toString(), "ext4", EnumSet.of(MountFlag.RDONLY), null),
                new Step.Exec("/bin/true", List.of(), ENV))));
        assertEquals(127, c.exit());
        assertEquals(new Status(4, 1, ENOENT), c.status().get(1));
        assertEquals(List.of("open(`" + missing + "`)"), c.details());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()), "no mount left behind");
    }

    @Test
    void setIoprioIsInheritedByTheCommand() throws Exception {
        Result idle = replay(plan(new Step.SetIoprio(3, 0), new Step.ExecArgv(ENV)), "ionice");
        assertOk(idle);
        assertEquals("idle", idle.trimmed());
        Result be = replay(plan(new Step.SetIoprio(2, 6), new Step.ExecArgv(ENV)), "ionice");
        assertOk(be);
        assertEquals("best-effort: prio 6", be.trimmed());
        Result bad = replay(plan(new Step.SetIoprio(9, 0), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, bad.exit());
        assertEquals("vserver-launcher: step 0 SET_IOPRIO: ioprio_set(IOPRIO_WHO_PROCESS, 0, class 9, data 0) failed: "
                + "Invalid argument (EINVAL)\n", bad.err());
    }

    @Test
    void cloneNewPidWaits() throws Exception {
        Result r = replay(plan(new Step.Clone(EnumSet.of(Namespace.PID), Step.ParentMode.WAIT), new Step.ExecArgv(ENV)),
                "sh", "-c", "echo $$");
        assertOk(r);
        assertEquals("1", r.trimmed());
    }

    @Test
    void cloneWaitExitsLikeTheChild() throws Exception {
        Plan p = plan(new Step.Clone(Set.of(), Step.ParentMode.WAIT), new Step.ExecArgv(ENV));
        assertEquals(7, replay(p, "sh", "-c", "exit 7").exit());
        assertEquals(128 + 15, replay(p, "sh", "-c", "kill -TERM $$").exit());
        // a failure in the child: the child reports it, the parent exits like the child
        Result r = replay(plan(new Step.Clone(Set.of(), Step.ParentMode.WAIT), new Step.Chdir("/nonexistent-vl"),
                new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 1 CHDIR: chdir(`/nonexistent-vl`) failed: No such file or directory (ENOENT)\n",
                r.err());
    }

    @Test
    void cloneWaitForwardsSignals() throws Exception {
        Path file = Files.createTempFile(dir, "plan", ".bin");
        Files.write(file, PlanWriter.write(plan(new Step.Clone(Set.of(), Step.ParentMode.WAIT), new Step.ExecArgv(ENV))));
        Process p = new ProcessBuilder(launcher(), "--replay", file.toString(), "--", "sh", "-c",
                "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done")
                .redirectErrorStream(true).start();
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", reader.readLine());
        p.toHandle().destroy(); // SIGTERM to the launcher's parent stage (Process.destroy closes the streams)
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("got-term", reader.readLine());
        assertEquals(3, p.exitValue());
    }

    @Test
    void runsFromASealedMemfd() throws Exception {
        Result r = replay(plan(new Step.Clone(Set.of(), Step.ParentMode.WAIT), new Step.ExecArgv(ENV)),
                "/bin/sh", "-c", "readlink /proc/$PPID/exe");
        assertOk(r);
        assertTrue(r.out().contains("memfd:"), r.out());
    }

    @Test
    void execSearchesThePathOfEnvp() throws Exception {
        assertEquals("hi", replay(plan(new Step.ExecArgv(List.of("PATH=/nonexistent-vl:/bin"))), "echo", "hi").trimmed());
        // no PATH in envp: the default
        Result r = replay(plan(new Step.ExecArgv(List.of())), "sh", "-c", "echo \"$PATH|$HOME\"");
        assertOk(r);
        assertTrue(r.trimmed().endsWith("|"), "envp is exactly the plan's: " + r.out());

        r = replay(plan(new Step.ExecArgv(ENV)), "no-such-command-vl");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 EXEC_ARGV: execve(`no-such-command-vl`) failed: "
                + "No such file or directory (ENOENT)\n", r.err());

        Path notExec = Files.writeString(dir.resolve("not-exec"), "#!/bin/sh\n");
        r = replay(plan(new Step.ExecArgv(List.of("PATH=" + dir))), "not-exec");
        assertEquals(125, r.exit());
        assertTrue(r.err().endsWith("execve(`not-exec`) failed: Permission denied (EACCES)\n"), r.err());
        assertTrue(Files.exists(notExec));

        r = replay(plan(new Step.Exec("sh", List.of("sh", "-c", "echo $0 $1 $X", "one"), List.of("X=x", "PATH=/bin"))),
                "unused");
        assertOk(r);
        assertEquals("one x", r.trimmed());
    }

    /** VERIFY_CWD: the cwd must be the named directory (a symlink to it is fine) and reachable from the root. */
    @Test
    void verifyCwdAcceptsOnlyTheNamedReachableDirectory() throws Exception {
        Path real = dir.resolve("real"), link = dir.resolve("link");
        Files.createDirectory(real);
        Files.createSymbolicLink(link, real);
        Result r = replay(plan(new Step.Chdir(real.toString()), new Step.VerifyCwd(link.toString()), new Step.ExecArgv(ENV)), "pwd");
        assertOk(r);
        assertEquals(real.toString(), r.trimmed());

        r = replay(plan(new Step.Chdir("/"), new Step.VerifyCwd(real.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 1 VERIFY_CWD: getcwd() is `/`, not `" + real + "` failed: Invalid cross-device link (EXDEV)\n",
                r.err());

        // A cwd on a mount that is detached meanwhile: the kernel's getcwd says "(unreachable)/" (a
        // leaked fd of the host, CVE-2024-21626, looks the same from inside a guest's root).
        Path m = dir.resolve("m");
        r = replay(plan(new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Mkdir(m.toString(), 0755), new Step.Mount("tmpfs", m.toString(), "tmpfs", Set.of(), "size=4k"),
                new Step.Chdir(m.toString()), new Step.Umount(m.toString(), Step.Umount.DETACH),
                new Step.VerifyCwd(m.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit(), r.err());
        assertEquals("vserver-launcher: step 6 VERIFY_CWD: getcwd() is `(unreachable)/`, outside the root, not `" + m
                + "` failed: Invalid cross-device link (EXDEV)\n", r.err());
    }

    /** OPEN_STDIO: fds 1 and 2 appended to a file; a symlink, a FIFO or a directory is refused. */
    @Test
    void openStdioAppendsStdoutAndStderrToTheFile() throws Exception {
        Path console = dir.resolve("console"), link = dir.resolve("link"), fifo = dir.resolve("fifo");
        Files.writeString(console, "before\n");
        Result r = replay(plan(new Step.OpenStdio(console.toString()), new Step.ExecArgv(ENV)),
                "sh", "-c", "echo out; echo err >&2; readlink /proc/$$/fd/1 /proc/$$/fd/2 | grep -c " + console);
        assertOk(r);
        assertEquals("", r.out() + r.err(), "nothing left on the old stdout and stderr");
        assertEquals("before\nout\nerr\n2\n", Files.readString(console));

        Files.createSymbolicLink(link, console);
        r = replay(plan(new Step.OpenStdio(link.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 OPEN_STDIO: open(`" + link + "`) failed: Too many levels of symbolic links (ELOOP)\n",
                r.err());
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        r = replay(plan(new Step.OpenStdio(fifo.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit(), "no reader: ENXIO instead of a launcher blocked in open");
        assertTrue(r.err().contains("open(`" + fifo + "`) failed: No such device or address (ENXIO)"), r.err());
        r = replay(plan(new Step.OpenStdio(dir.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertTrue(r.err().contains("open(`" + dir + "`) failed: Is a directory (EISDIR)"), r.err());
    }

    @Test
    void filesystemOps() throws Exception {
        Path d = dir.resolve("d"), file = dir.resolve("f"), link = dir.resolve("l"), node = dir.resolve("null");
        Files.writeString(file, "");
        Plan p = plan(new Step.Mkdir(d.toString(), 0750), new Step.Mkdir(d.toString(), 0700),
                new Step.Symlink("target", link.toString()), new Step.Symlink("target", link.toString()),
                Step.Mknod.charDevice(node.toString(), 0640, 1, 3),
                new Step.WriteFile(file.toString(), "hello\n"), new Step.Chdir(d.toString()),
                new Step.ExecArgv(ENV));
        Result r = replay(p, "sh", "-c", "pwd; stat -c '%a %F %t:%T' " + d + " " + node + "; readlink " + link + "; cat " + file);
        assertOk(r);
        assertEquals(List.of(d.toString(), "750 directory 0:0", "640 character special file 1:3", "target", "hello"),
                r.trimmed().lines().toList());

        r = replay(plan(new Step.Mkdir(file.toString(), 0755), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 MKDIR: mkdir(`" + file + "`) failed: File exists (EEXIST)\n", r.err());

        r = replay(plan(new Step.Symlink("other", link.toString()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 SYMLINK: symlink(`" + link + "`) failed: File exists (EEXIST)\n", r.err());

        r = replay(plan(new Step.WriteFile(dir.resolve("absent").toString(), "x"), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertTrue(r.err().contains("open(`" + dir.resolve("absent") + "`) failed: No such file or directory (ENOENT)"), r.err());
    }

    @Test
    void mountsAndPivotRootInANewMountNamespace() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectory(root);
        String rt = root.toString();
        Result r = replay(plan(
                new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Mount("vl-root", rt, "tmpfs", EnumSet.of(MountFlag.NOSUID), "mode=0755"),
                new Step.Mkdir(rt + "/usr", 0755),
                new Step.Mkdir(rt + "/proc", 0555),
                new Step.Mkdir(rt + "/marker", 0700),
                new Step.Mount("/usr", rt + "/usr", null, EnumSet.of(MountFlag.BIND, MountFlag.REC), null),
                new Step.Mount(null, rt + "/usr", null, EnumSet.of(MountFlag.REMOUNT, MountFlag.BIND, MountFlag.RDONLY), null),
                new Step.Symlink("usr/bin", rt + "/bin"),
                new Step.Symlink("usr/lib", rt + "/lib"),
                new Step.Symlink("usr/lib64", rt + "/lib64"),
                new Step.PivotRoot(rt),
                new Step.Umount(".", Step.Umount.DETACH),
                new Step.Chdir("/"),
                new Step.VerifyCwd("/"),                         // the old root is detached: "/.." is "/"
                new Step.Mount("proc", "/proc", "proc", EnumSet.of(MountFlag.NOSUID, MountFlag.NODEV, MountFlag.NOEXEC), null),
                new Step.ExecArgv(ENV)),
                "/bin/sh", "-c", "ls /; touch /usr/x 2>/dev/null || echo ro; wc -l < /proc/self/mounts");
        assertOk(r);
        assertEquals(List.of("bin", "lib", "lib64", "marker", "proc", "usr", "ro", "3"), r.trimmed().lines().map(String::strip).toList());
        assertFalse(Files.exists(root.resolve("marker")), "the tmpfs stayed in the child's mount namespace");
    }

    /**
     * The start that mounted over the host's root (issue 11, A.1): a mount lands on the launcher's "/"
     * before the pivot, the plan's umount of "." then detaches it instead of the old root, and "/.."
     * of the new root is the host's. VERIFY_CWD's root check refuses to go on.
     */
    @Test
    void verifyCwdRefusesARootWithTheOldRootStackedOnIt() throws Exception {
        String rt = dir.resolve("root").toString();
        Files.createDirectory(Path.of(rt));
        Result r = replay(plan(
                new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Mount("vl-root", rt, "tmpfs", Set.of(), "mode=0755"),
                new Step.Mount("vl-stray", "/", "tmpfs", Set.of(), "size=4k"),   // what VDIR/tmp -> / made of a /tmp mount
                new Step.PivotRoot(rt),
                new Step.Mount(null, ".", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Umount(".", Step.Umount.DETACH),                        // takes the stray tmpfs, not the old root
                new Step.Chdir("/"),
                new Step.VerifyCwd("/"),
                new Step.ExecArgv(ENV)), "/bin/true");
        assertEquals(125, r.exit(), r.err());
        assertTrue(r.err().startsWith("vserver-launcher: step 8 VERIFY_CWD: stat(`/..`) is not stat(`/`): a mount is stacked on the root"),
                r.err());
        assertTrue(r.err().endsWith("failed: Invalid cross-device link (EXDEV)\n"), r.err());
    }

    /** The *_IN ops resolve inside the opened root: the guest's links never lead out, the last one is never followed. */
    @Test
    void inRootOpsStayInTheRootAndFollowNoLastLink() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root")), outside = Files.createDirectory(dir.resolve("outside"));
        Files.createDirectories(root.resolve("mnt"));
        Files.createSymbolicLink(root.resolve("mnt/scratch"), Path.of("/"));            // the fstab attack's link
        Files.createSymbolicLink(root.resolve("abs"), outside);                        // a host path: re-rooted in the guest
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../.."));             // ".." stops at the root
        Files.createSymbolicLink(root.resolve("self"), Path.of("/proc/self/root"));    // a magic link on the guest's own proc
        String rt = root.toString();
        String in = "` in the guest root `" + rt + "`";

        record Case(Step step, String error) {}
        List<Case> cases = List.of(
                new Case(new Step.MkdirIn("/abs/x", 0755), "mkdir(`/abs/x" + in + ": its directory) failed: No such file or directory (ENOENT)"),
                new Case(new Step.MkdirIn("/mnt/scratch", 0755), "mkdir(`/mnt/scratch" + in + ": a symbolic link, never followed) failed: Too many levels of symbolic links (ELOOP)"),
                new Case(new Step.MountIn("tmpfs", "/mnt/scratch", "tmpfs", Set.of(), null), "mount(`/mnt/scratch" + in + ": a symbolic link, never followed) failed: Too many levels of symbolic links (ELOOP)"),
                new Case(new Step.MountIn("tmpfs", "/mnt/..", "tmpfs", Set.of(), null), "mount(`/mnt/.." + in + ": the guest root itself) failed: Invalid cross-device link (EXDEV)"),
                new Case(new Step.MkdirIn("/", 0755), "mkdir(`/" + in + ": the guest root itself) failed: Invalid cross-device link (EXDEV)"),
                new Case(new Step.BindIn("/abs", "/mnt", EnumSet.of(MountFlag.BIND)), "mount(`/abs" + in + ": a symbolic link, never followed) failed: Too many levels of symbolic links (ELOOP)"),
                new Case(new Step.SymlinkIn("x", "/abs/y"), "symlink(`/abs/y" + in + ": its directory) failed: No such file or directory (ENOENT)"));
        for (Case c : cases) {
            Result r = replay(plan(new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                    new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                    new Step.OpenRoot(rt), c.step(), new Step.ExecArgv(ENV)), "true");
            assertEquals(125, r.exit(), c + ": " + r.err());
            assertEquals("vserver-launcher: step 3 " + c.step().op() + ": " + c.error() + "\n", r.err(), c.toString());
        }
        try (var l = Files.list(outside)) {
            assertEquals(List.of(), l.toList(), "nothing was made outside the root");
        }

        // What works: a tmpfs through the fd, nodes, links and binds on it; "up/.." and "self" stay inside.
        Result r = replay(plan(new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Mount(rt, rt, null, EnumSet.of(MountFlag.BIND, MountFlag.REC), null),
                new Step.SetUmask(0),
                new Step.OpenRoot(rt),
                new Step.MkdirIn("/up/m", 0700),
                new Step.MkdirIn("/m", 0700),                                                  // exists: fine
                new Step.MountIn("vl-m", "/m", "tmpfs", Set.of(), "mode=0755"),
                Step.MknodIn.charDevice("/m/null", 0666, 1, 3),
                new Step.MknodIn("/m/file", 0100600, 0),
                new Step.BindIn("/m/null", "/m/file", EnumSet.of(MountFlag.BIND)),
                new Step.SymlinkIn("null", "/m/link"),
                new Step.SymlinkIn("null", "/m/link"),                                         // the same link: fine
                new Step.ExecArgv(ENV)), "sh", "-c", "stat -c '%a %F %t:%T' " + rt + "/m " + rt + "/m/null " + rt + "/m/file; readlink "
                + rt + "/m/link; grep -c vl-m /proc/self/mounts");   // the tmpfs, and the bind on m/file
        assertOk(r);
        assertEquals(List.of("755 directory 0:0", "666 character special file 1:3", "666 character special file 1:3", "null", "2"),
                r.trimmed().lines().toList());
        assertFalse(Files.exists(dir.resolve("m")), "up/m is the root's m");

        // A magic link on the way (the guest's /proc/self/root, once its proc is mounted) is refused.
        Files.createDirectory(root.resolve("proc"));
        r = replay(plan(new Step.Clone(EnumSet.of(Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.OpenRoot(rt),
                new Step.MountIn("proc", "/proc", "proc", Set.of(), null),
                new Step.MkdirIn("/self/x", 0755), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit(), r.err());
        assertEquals("vserver-launcher: step 4 MKDIR_IN: mkdir(`/self/x" + in + ": its directory) failed: Too many levels of symbolic links (ELOOP)\n",
                r.err());
    }

    // --- user-namespaced guests (doc/userns.md) ---

    /** A host id range no other test or guest uses: a process mapped with it is one of ours. */
    static final int BASE = 3_210_000;
    static final String MAP = Step.UsernsCreate.mapLine(0, BASE, 65536);

    /** Processes mapped with {@link #BASE}: the holders and commands of these tests (none must be left). */
    static List<String> mappedProcesses() throws IOException {
        var found = new ArrayList<String>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(q -> q.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(p.resolve("uid_map")).contains(" " + BASE + " ")) found.add(p.getFileName().toString());
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    /** Prints the shell's own children, zombies included (/proc/PID/stat field 4), with builtins only: no fork of its own. */
    static final String CHILDREN = "for f in /proc/[0-9]*/stat; do read -r l < $f 2>/dev/null || continue; set -- $l;"
            + " [ \"$4\" = \"$$\" ] && echo \"child $1 $2 $3\"; done; ";

    /**
     * USERNS_CREATE's holder makes the user namespace, the launcher writes its maps, the holder makes
     * uts and net owned by it; the launcher keeps them at fds 5, 6, 7 and reaps the holder. Joined
     * with SETNS_FD, the command is root in the map; the netns is the new one (only lo) and owned by
     * the userns (its sysctls belong to the userns's root, else they would show the overflow uid).
     */
    @Test
    void usernsCreateHoldsTheNamespacesAndSetnsFdJoinsThem() throws Exception {
        var create = new Step.UsernsCreate(5, MAP, MAP, EnumSet.of(Namespace.NET, Namespace.UTS));
        assertEquals(List.of(6, 7), List.of(create.fdOf(Namespace.UTS), create.fdOf(Namespace.NET)));
        Result r = replay(plan(create,
                new Step.SetNsFd(create.fdOf(Namespace.NET), Namespace.NET),
                new Step.SetNsFd(create.fdOf(Namespace.UTS), Namespace.UTS),
                new Step.SetHostname("vl-userns"),
                new Step.SetNsFd(create.fdOf(Namespace.USER), Namespace.USER),
                new Step.SetIds(0, 0, List.of()),
                new Step.ExecArgv(ENV)),
                "sh", "-c", CHILDREN + "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; id -u; id -g; hostname;"
                        + " tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; stat -c %u:%g /proc/sys/net/ipv4/ip_forward;"
                        + " ls /proc/self/fd | wc -l");
        assertOk(r);
        assertEquals(List.of("0 " + BASE + " 65536", "0 " + BASE + " 65536", "0", "0", "vl-userns", "lo", "0:0",
                "4"), r.trimmed().lines().map(String::strip).toList(), "no child left (the holder reaped), fds 5-7 closed by SETNS_FD");
        assertEquals(List.of(), mappedProcesses(), "nothing of the userns runs any more");
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        assertFalse(host.equals("vl-userns"), "the uts namespace was the holder's");
    }

    /**
     * A limit of 0 nested user namespaces, written by the holder inside the new one: its root
     * cannot make one (ENOSPC), and cannot raise the limit again once CAP_SYS_RESOURCE is gone; the
     * host's own limit is untouched (the sysctl is per user namespace).
     */
    @Test
    void usernsCreateLimitsNestedUserNamespaces() throws Exception {
        String hostLimit = Files.readString(Path.of("/proc/sys/user/max_user_namespaces"));
        var create = new Step.UsernsCreate(5, MAP, MAP, Set.of(), 0);
        Result r = replay(plan(create,
                new Step.SetNsFd(5, Namespace.USER),
                new Step.SetIds(0, 0, List.of()),
                new Step.ExecArgv(ENV)),
                "sh", "-c", "cat /proc/sys/user/max_user_namespaces; unshare -U true 2>&1 | grep -c 'No space left'; "
                        + "setpriv --bounding-set -sys_resource --inh-caps -sys_resource sh -c 'echo 5 > /proc/sys/user/max_user_namespaces'"
                        + " 2>/dev/null || echo refused; cat /proc/sys/user/max_user_namespaces");
        assertOk(r);
        assertEquals(List.of("0", "1", "refused", "0"), r.trimmed().lines().map(String::strip).toList(), r.toString());
        assertEquals(hostLimit, Files.readString(Path.of("/proc/sys/user/max_user_namespaces")), "the host's limit");
    }

    /** The fds survive CLONE (a fork) and are not inherited by the exec: the child joins them, its exec has none. */
    @Test
    void usernsFdsSurviveCloneAndNeverReachTheExec() throws Exception {
        var create = new Step.UsernsCreate(9, MAP, MAP, EnumSet.of(Namespace.NET));
        Result r = replay(plan(create, new Step.Clone(EnumSet.of(Namespace.PID), Step.ParentMode.WAIT),
                new Step.SetNsFd(10, Namespace.NET), new Step.ExecArgv(ENV)),
                "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /proc/self/uid_map | tr -s ' ';"
                        + " ls /proc/self/fd | wc -l");
        assertOk(r);
        assertEquals(List.of("lo", "0 0 4294967295", "4"), r.trimmed().lines().map(String::strip).toList(),
                "the net ns joined, the user ns not; fd 9 closed on exec");
        assertEquals(List.of(), mappedProcesses());
    }

    /**
     * MOUNT_IDMAP and BIND_IDMAP_IN: a tree owned by 0 on disk is owned by the guest's root inside,
     * what it creates is stored as 0, nothing is chowned; the mounts stay in the launcher's private
     * mount namespace.
     */
    @Test
    void idmappedMountsShowDiskRootAsGuestRoot() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree")), mnt = Files.createDirectory(dir.resolve("mnt"));
        Path root = Files.createDirectory(dir.resolve("root"));
        Files.createDirectory(root.resolve("usr"));
        Files.writeString(tree.resolve("owned"), "x");
        Files.createFile(tree.resolve("odd"));
        Files.setAttribute(tree.resolve("odd"), "unix:uid", 7);   // disk ids are the guest's: 7 inside
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        var create = new Step.UsernsCreate(5, MAP, MAP, Set.of());
        Result r = replay(plan(new Step.Unshare(EnumSet.of(Namespace.MNT)),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                create,
                new Step.MountIdmap(tree.toString(), mnt.toString(), 5, EnumSet.of(MountFlag.NOSUID)),
                new Step.OpenRoot(root.toString()),
                new Step.BindIdmapIn(tree.toString(), "/usr", 5, EnumSet.of(MountFlag.RDONLY)),
                new Step.Chdir(dir.toString()),            // relative paths: the guest cannot search what lies above
                new Step.SetNsFd(5, Namespace.USER),
                new Step.SetIds(0, 0, List.of()),
                new Step.ExecArgv(ENV)),
                "sh", "-c", "id -u; stat -c '%n %u:%g' mnt/owned mnt/odd root/usr/owned; echo new > mnt/new;"
                        + " stat -c '%n %u:%g' mnt/new; touch root/usr/ro 2>/dev/null || echo ro");
        assertOk(r);
        assertEquals(List.of("0", "mnt/owned 0:0", "mnt/odd 7:0", "root/usr/owned 0:0", "mnt/new 0:0", "ro"),
                r.trimmed().lines().toList());
        assertEquals(0, Files.getAttribute(tree.resolve("new"), "unix:uid"), "stored as 0 on disk");
        assertEquals(0, Files.getAttribute(tree.resolve("owned"), "unix:uid"), "nothing chowned");
        assertEquals(7, Files.getAttribute(tree.resolve("odd"), "unix:uid"));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()), "no mount left behind");
        assertEquals(List.of(), mappedProcesses());
    }

    @Test
    void chownInNeverFollowsALinkAndChownTakesAHostPath() throws Exception {
        Path root = Files.createDirectory(dir.resolve("root"));
        Files.createFile(root.resolve("f"));
        Files.createSymbolicLink(root.resolve("l"), Path.of("f"));
        Files.createSymbolicLink(root.resolve("out"), dir);
        Path host = Files.createDirectory(dir.resolve("cg")), hostLink = Files.createSymbolicLink(dir.resolve("cglink"), host);
        Result r = replay(plan(new Step.OpenRoot(root.toString()), new Step.ChownIn("/f", BASE, BASE + 5),
                new Step.ChownIn("/f", -1, BASE + 6), new Step.Chown(host.toString(), BASE, -1),
                new Step.Chown(hostLink.toString(), BASE + 1, BASE + 1), new Step.ExecArgv(ENV)), "true");
        assertOk(r);
        assertEquals(BASE, Files.getAttribute(root.resolve("f"), "unix:uid"));
        assertEquals(BASE + 6, Files.getAttribute(root.resolve("f"), "unix:gid"));
        assertEquals(BASE, Files.getAttribute(host, "unix:uid"));
        assertEquals(0, Files.getAttribute(host, "unix:gid"));
        assertEquals(BASE + 1, Files.getAttribute(hostLink, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS), "lchown: the link itself");

        String in = "` in the guest root `" + root + "`";
        for (String link : List.of("/l", "/out")) {
            r = replay(plan(new Step.OpenRoot(root.toString()), new Step.ChownIn(link, 1, 1), new Step.ExecArgv(ENV)), "true");
            assertEquals(125, r.exit());
            assertEquals("vserver-launcher: step 1 CHOWN_IN: chown(`" + link + in + ": a symbolic link, never followed) failed: "
                    + "Too many levels of symbolic links (ELOOP)\n", r.err());
        }
        assertEquals(BASE, Files.getAttribute(root.resolve("f"), "unix:uid"), "the link's target untouched");
        assertEquals(0, Files.getAttribute(dir, "unix:uid"));
        r = replay(plan(new Step.OpenRoot(root.toString()), new Step.ChownIn("/", 1, 1), new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 1 CHOWN_IN: chown(`/" + in + ": the guest root itself) failed: "
                + "Invalid cross-device link (EXDEV)\n", r.err());
    }

    @Test
    void usernsFailuresNameTheCall() throws Exception {
        // a bad map: the kernel refuses the write; the holder goes with the launcher
        Result r = replay(plan(new Step.UsernsCreate(5, "0 " + BASE + "\n", MAP, Set.of()), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        var m = java.util.regex.Pattern.compile("vserver-launcher: step 0 USERNS_CREATE: write\\(`/proc/(\\d+)/uid_map`\\) failed: "
                + "Invalid argument \\(EINVAL\\)\n").matcher(r.err());
        assertTrue(m.matches(), r.err());
        assertFalse(Files.exists(Path.of("/proc/" + m.group(1))), "the holder is gone");

        r = replay(plan(new Step.UsernsCreate(5, MAP, "", Set.of()), new Step.ExecArgv(ENV)), "true");
        assertTrue(r.err().matches("vserver-launcher: step 0 USERNS_CREATE: write\\(`/proc/\\d+/gid_map`\\) failed: "
                + "Invalid argument \\(EINVAL\\)\n"), r.err());

        // the same in channel mode: DETAIL, then FAIL(EINVAL)
        Channel c = channel(PlanWriter.write(plan(new Step.UsernsCreate(5, "x", MAP, Set.of()),
                new Step.Exec("/bin/true", List.of(), ENV))));
        assertEquals(127, c.exit());
        assertEquals(new Status(4, 0, EINVAL), c.status().get(1));
        assertTrue(c.details().getFirst().matches("write\\(`/proc/\\d+/uid_map`\\)"), c.details().toString());

        Path missing = dir.resolve("missing");
        Step unshare = new Step.Unshare(EnumSet.of(Namespace.MNT)),
                privateRoot = new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null);
        r = replay(plan(unshare, privateRoot, new Step.UsernsCreate(5, MAP, MAP, Set.of()),
                new Step.MountIdmap(missing.toString(), dir.toString(), 5, Set.of()), new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 3 MOUNT_IDMAP: open_tree(`" + missing + "`) failed: No such file or directory (ENOENT)\n",
                r.err());
        r = replay(plan(unshare, privateRoot, new Step.MountIdmap(dir.toString(), dir.toString(), 5, Set.of()),
                new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 2 MOUNT_IDMAP: mount_setattr(`" + dir + "`) failed: Bad file descriptor (EBADF)\n",
                r.err(), "no user namespace at fd 5");

        r = replay(plan(new Step.SetNsFd(99, Namespace.NET), new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 0 SETNS_FD: setns(99, 0x40000000) failed: Bad file descriptor (EBADF)\n", r.err());
        r = replay(plan(new Step.Chown(missing.toString(), 0, 0), new Step.ExecArgv(ENV)), "true");
        assertEquals("vserver-launcher: step 0 CHOWN: lchown(`" + missing + "`) failed: No such file or directory (ENOENT)\n", r.err());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()), "no mount left behind");
        assertEquals(List.of(), mappedProcesses());
    }

    @Test
    void idsCapsAndNoNewPrivs() throws Exception {
        Result r = replay(plan(new Step.SetIds(65534, 65534, List.of(65534, 100)), new Step.ExecArgv(ENV)),
                "sh", "-c", "id -u; id -g; id -G");
        assertOk(r);
        assertEquals(List.of("65534", "65534", "65534 100"), r.trimmed().lines().toList());

        Set<Capability> bnd = EnumSet.of(Capability.CHOWN, Capability.KILL, Capability.NET_BIND_SERVICE);
        r = replay(plan(new Step.SetCaps(bnd, bnd, bnd, EnumSet.of(Capability.NET_BIND_SERVICE), EnumSet.of(Capability.NET_BIND_SERVICE)),
                new Step.NoNewPrivs(), new Step.ExecArgv(ENV)),
                "sh", "-c", "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status");
        assertOk(r);
        assertEquals(List.of("CapInh:\t0000000000000400", "CapPrm:\t0000000000000421", "CapEff:\t0000000000000421",
                "CapBnd:\t0000000000000421", "CapAmb:\t0000000000000400", "NoNewPrivs:\t1"), r.trimmed().lines().toList());

        // raising an ambient cap that is not inheritable fails: EPERM
        r = replay(plan(new Step.SetCaps(bnd, bnd, bnd, Set.of(), EnumSet.of(Capability.KILL)), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertEquals("vserver-launcher: step 0 SET_CAPS: prctl(PR_CAP_AMBIENT_RAISE, 5) failed: Operation not permitted (EPERM)\n",
                r.err());
    }

    @Test
    void reaperStaysAfterTheFirstChildAndReaps() throws Exception {
        Path mark = dir.resolve("mark"), sleepPid = dir.resolve("sleep.pid");
        Result r = replay(plan(
                new Step.Clone(EnumSet.of(Namespace.PID, Namespace.MNT), Step.ParentMode.WAIT),
                new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null),
                new Step.Mount("proc", "/proc", "proc", EnumSet.of(MountFlag.NOSUID, MountFlag.NODEV, MountFlag.NOEXEC), null),
                new Step.Reaper(),
                new Step.ExecArgv(ENV)),
                "sh", "-c", "echo $$; cat /proc/1/comm; (sleep 0.05 & echo $! > " + sleepPid + ");"
                        + " (sleep 0.5; if [ -e /proc/$(cat " + sleepPid + ") ]; then echo zombie; else echo reaped; fi > "
                        + mark + "; kill -TERM 1) & exit 0");
        assertOk(r);
        assertEquals(List.of("2", "vserver-init"), r.trimmed().lines().toList());
        // the reaper outlived the shell (else the pid namespace died with it) and reaped the orphan
        assertTrue(Files.exists(mark), "the reaper kept running after its first child exited");
        assertEquals("reaped", Files.readString(mark).strip());
    }

    @Test
    void ptyRelay() throws Exception {
        Result r = replayWithInput(plan(new Step.PtyRelay(), new Step.ExecArgv(ENV)), "hello\n",
                "sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; read x; echo \"got:$x\"");
        assertOk(r);
        assertTrue(r.out().contains("/dev/pts/"), r.out());
        assertTrue(r.out().contains("all-tty"), r.out());
        assertTrue(r.out().contains("got:hello"), r.out());

        // a partial last line, then EOF: VEOF twice
        r = replayWithInput(plan(new Step.PtyRelay(), new Step.ExecArgv(ENV)), "abc", "wc", "-c");
        assertOk(r);
        assertTrue(r.trimmed().endsWith("abc3"), "echo of abc, then wc's count: " + r.out());

        r = replayWithInput(plan(new Step.PtyRelay(), new Step.ExecArgv(ENV)), "", "sh", "-c", "exit 5");
        assertEquals(5, r.exit());
    }

    @Test
    void awaitNeedsTheChannel() throws Exception {
        Result r = replay(plan(new Step.Await(Sync.GUEST_PID), new Step.ExecArgv(ENV)), "true");
        assertEquals(125, r.exit());
        assertTrue(r.err().startsWith("vserver-launcher: step 0 AWAIT: "), r.err());
        assertTrue(r.err().endsWith("(EINVAL)\n"), r.err());
    }

    @Test
    void planWithoutExecFails() throws Exception {
        Result r = replay(plan(new Step.Chdir("/")), "true");
        assertEquals(125, r.exit());
        assertTrue(r.err().contains("without EXEC"), r.err());
    }

    // --- channel mode: fd 3 = plan (+ acks), fd 4 = status, here files opened by a shell ---

    record Status(int kind, int step, int value) {}

    /** @param status the records but DETAIL; @param details the DETAIL texts, each checked to come right before its FAIL */
    record Channel(int exit, String out, List<Status> status, List<String> details) {}

    Channel channel(byte[] planAndAcks) throws Exception {
        Path in = Files.createTempFile(dir, "chan", ".in"), st = Files.createTempFile(dir, "chan", ".status");
        Files.write(in, planAndAcks);
        Path err = Files.createTempFile(dir, "chan", ".err");
        Process p = new ProcessBuilder("/bin/sh", "-c", "exec \"$0\" 3<\"$1\" 4>\"$2\"", launcher(), in.toString(), st.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(err.toFile()).start();
        // read to EOF: that includes the output of a child the launcher left running (CLONE mode EXIT)
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "launcher hangs");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(st)).order(ByteOrder.nativeOrder());
        var list = new ArrayList<Status>();
        var details = new ArrayList<String>();
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 12, "status records are 12 bytes");
            Status s = new Status(b.getInt(), b.getInt(), b.getInt());
            if (s.kind() != 5 /* DETAIL */) {
                list.add(s);
                continue;
            }
            assertTrue(s.value() >= 0 && s.value() <= 4084 && s.value() <= b.remaining(), "DETAIL of " + s.value() + " bytes");
            byte[] text = new byte[s.value()];
            b.get(text);
            details.add(new String(text, StandardCharsets.UTF_8));
            assertTrue(b.remaining() >= 12 && b.getInt(b.position()) == 4 && b.getInt(b.position() + 4) == s.step(),
                    "a FAIL of the same step follows DETAIL " + details.getLast());
        }
        if (!list.isEmpty() && list.getLast().kind() == 4)
            assertEquals(1, details.size(), "one DETAIL before FAIL " + list.getLast() + ": " + details);
        return new Channel(p.exitValue(), out + Files.readString(err), list, details);
    }

    static byte[] concat(byte[] a, int... acks) {
        ByteBuffer b = ByteBuffer.allocate(a.length + 4 * acks.length).order(ByteOrder.nativeOrder());
        b.put(a);
        for (int ack : acks) b.putInt(ack);
        return b.array();
    }

    static void assertAlive(Channel c) {
        assertFalse(c.status().isEmpty(), "no ALIVE");
        assertEquals(1, c.status().get(0).kind());
        assertEquals(0, c.status().get(0).step());
        assertTrue(c.status().get(0).value() > 1);
    }

    @Test
    void channelSuccess() throws Exception {
        Plan p = plan(new Step.CloseFrom(5), new Step.Await(Sync.GUEST_PID),
                new Step.Exec("/bin/sh", List.of("sh", "-c", "echo ok; ls /proc/self/fd | wc -l"), ENV));
        Channel c = channel(concat(PlanWriter.write(p), Sync.GUEST_PID.id()));
        assertEquals(0, c.exit(), c.toString());
        assertEquals(List.of("ok", "4"), c.out().strip().lines().map(String::strip).toList(), "fds 3 and 4 closed on exec");
        assertAlive(c);
        assertEquals(List.of(new Status(3, 1, Sync.GUEST_PID.id())), c.status().subList(1, c.status().size()));
    }

    @Test
    void channelCloneReportsThePid() throws Exception {
        Plan p = plan(new Step.Clone(EnumSet.of(Namespace.PID), Step.ParentMode.EXIT),
                new Step.Exec("/bin/sh", List.of("sh", "-c", "echo $$"), ENV));
        Channel c = channel(PlanWriter.write(p));
        assertEquals(0, c.exit(), c.toString());
        assertEquals("1", c.out().strip());
        assertAlive(c);
        assertEquals(2, c.status().size(), c.toString());
        assertEquals(2, c.status().get(1).kind());
        assertEquals(0, c.status().get(1).step());
        assertTrue(c.status().get(1).value() > c.status().get(0).value());
    }

    @Test
    void channelFailures() throws Exception {
        Path missing = dir.resolve("missing");
        Channel c = channel(PlanWriter.write(plan(new Step.CloseFrom(5),
                new Step.Mount("none", missing.toString(), "tmpfs", Set.of(), null), new Step.Exec("/bin/true", List.of(), ENV))));
        assertEquals(127, c.exit());
        assertAlive(c);
        assertEquals(new Status(4, 1, ENOENT), c.status().get(1));
        assertEquals(List.of("mount(`" + missing + "`)"), c.details());

        c = channel(PlanWriter.write(plan(new Step.ExecArgv(ENV))));
        assertEquals(127, c.exit());
        assertEquals(new Status(4, 0, EINVAL), c.status().get(1));
        assertEquals(List.of("execve(CMD): EXEC_ARGV needs --replay's command line"), c.details());

        byte[] await = PlanWriter.write(plan(new Step.Await(Sync.GUEST_PID), new Step.Exec("/bin/true", List.of(), ENV)));
        c = channel(concat(await, 99));
        assertEquals(List.of(new Status(3, 0, 1), new Status(4, 0, EPROTO)), c.status().subList(1, 3));
        c = channel(await);
        assertEquals(List.of(new Status(3, 0, 1), new Status(4, 0, EPIPE)), c.status().subList(1, 3));

        c = channel(PlanWriter.write(plan(new Step.VerifyProc(Integer.MAX_VALUE, 1), new Step.Exec("/bin/true", List.of(), ENV))));
        assertEquals(new Status(4, 0, ESRCH), c.status().get(1));

        c = channel(PlanWriter.write(plan(new Step.Chdir("/"))));
        assertEquals(new Status(4, 1, 8 /* ENOEXEC */), c.status().get(1));
        assertEquals(List.of("execve(): the plan has no EXEC"), c.details());

        c = channel(PlanWriter.write(plan(new Step.Exec("/nonexistent-vl", List.of(), ENV))));
        assertEquals(new Status(4, 0, ENOENT), c.status().get(1));
        c = channel(PlanWriter.write(plan(new Step.Exec(dir.toString(), List.of(), ENV))));
        assertEquals(new Status(4, 0, EACCES), c.status().get(1));
    }

    @Test
    void channelInvalidPlans() throws Exception {
        byte[] good = PlanWriter.write(plan(new Step.Chdir("/"), new Step.Exec("/bin/true", List.of(), ENV)));
        byte[] badOp = good.clone();
        ByteBuffer.wrap(badOp).order(ByteOrder.nativeOrder()).putShort(16 + 16 + 4, (short) 77);
        Channel c = channel(badOp);
        assertEquals(127, c.exit());
        assertEquals(new Status(4, 1, EINVAL), c.status().get(1));
        assertEquals(List.of("decode(record 1: unknown op 77)"), c.details());

        byte[] badMagic = good.clone();
        badMagic[1] ^= 1;
        c = channel(badMagic);
        assertEquals(new Status(4, -1, EINVAL), c.status().get(1));
        assertTrue(c.details().getFirst().startsWith("decode(bad magic "), c.details().toString());

        c = channel(Arrays.copyOf(good, good.length - 4));
        assertEquals(new Status(4, -1, EINVAL), c.status().get(1));

        c = channel(new byte[0]);
        assertEquals(new Status(4, -1, EINVAL), c.status().get(1));
    }

    /**
     * A SET_CAPS that fails for real at a bounding-set drop: the first SET_CAPS keeps the bounding set
     * but takes CAP_SETPCAP out of the effective set, so the second one's PR_CAPBSET_DROP is refused.
     * The channel carries the exact call (org.vserver.launch.LauncherDetailTest: and the exception's message).
     */
    static Plan boundingDropRefused() throws IOException {
        // what this process has (a host may run us without some, e.g. CAP_SYS_RESOURCE): capset takes no more
        Set<Capability> all = ProcStatus.boundingSet(ProcFs.host().self()), noSetpcap = EnumSet.copyOf(all);
        assumeTrue(all.containsAll(EnumSet.of(Capability.SETPCAP, Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.KILL)),
                "this test's process has no CAP_SETPCAP, CAP_CHOWN, CAP_DAC_OVERRIDE or CAP_KILL: " + all);
        noSetpcap.remove(Capability.SETPCAP);
        Set<Capability> few = EnumSet.of(Capability.CHOWN, Capability.KILL);
        return plan(new Step.SetCaps(all, noSetpcap, noSetpcap, Set.of(), Set.of()),
                new Step.SetCaps(few, few, few, Set.of(), Set.of()),
                new Step.Exec("/bin/true", List.of("true"), ENV));
    }

    @Test
    void channelDetailNamesTheBoundingSetDrop() throws Exception {
        Channel c = channel(PlanWriter.write(boundingDropRefused()));
        assertEquals(127, c.exit(), c.toString());
        assertEquals(new Status(4, 1, 1 /* EPERM */), c.status().get(1));
        // caps 0 (CHOWN) and 1 (DAC_OVERRIDE): CHOWN stays, DAC_OVERRIDE is the first to drop
        assertEquals(List.of("prctl(PR_CAPBSET_DROP, 1)"), c.details());
    }
}
