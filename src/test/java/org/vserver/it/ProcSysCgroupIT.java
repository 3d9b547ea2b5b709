package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The kernel's escape hatches through /proc, /sys and cgroupfs (security.md §2, §4.2-§4.4) and the
 * host's control sockets are out of a guest's reach. core_pattern, sysrq-trigger and uevent_helper
 * writes are {@link ProcSysDevIT}'s; this class adds modprobe, hotplug, binfmt_misc, the guest's
 * own read-only cgroupfs without release_agent, and the sockets.
 */
@RequiresRoot("starts real guests")
class ProcSysCgroupIT {
    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("psc");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static boolean onHost(String p) { return Files.exists(Path.of(p), LinkOption.NOFOLLOW_LINKS); }

    /** perl inside the guest: open(PATH, write) and print; "PATH ok" or "PATH E<errno name>". */
    static String tryWrites(List<String> paths, String content) throws Exception {
        StringBuilder script = new StringBuilder("$| = 1; ");
        script.append("sub e { my ($n) = grep { $!{$_} } keys %!; $n // 'E?' } ");
        for (String p : paths)
            script.append("if (open(my $f, '>', '").append(p).append("') and print $f '").append(content)
                    .append("' and close $f) { print \"").append(p).append(" ok\\n\" } else { print \"").append(p).append(" \", e(), \"\\n\" } ");
        var r = host.cli("vserver", g, "exec", "perl", "-e", script.toString());
        assertEquals(0, r.code(), r.toString());
        return r.out();
    }

    @Test
    void modprobeAndHotplugHelpersCannotBeSet() throws Exception {
        List<String> knobs = List.of("/proc/sys/kernel/modprobe", "/proc/sys/kernel/hotplug", "/sys/kernel/uevent_helper",
                "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger");
        List<String> before = new ArrayList<>();
        for (String k : knobs) before.add(onHost(k) && !k.endsWith("trigger") ? Files.readString(Path.of(k)) : null);
        String out = tryWrites(knobs, "/tmp/evil");
        for (int i = 0; i < knobs.size(); i++) {
            String k = knobs.get(i);
            String line = HostProbe.lines(out).get(i);
            if (onHost(k)) {
                assertTrue(line.matches(k + " (EROFS|EPERM|EACCES)"), "a write to " + k + " fails: " + line);
                if (before.get(i) != null) assertEquals(before.get(i), Files.readString(Path.of(k)), k + " is unchanged on the host");
            } else {
                // This kernel has no such knob: it must not appear inside either (open(O_CREAT) cannot make it).
                assertTrue(line.matches(k + " (ENOENT|EROFS|EACCES|EPERM)"), k + " is absent: " + line);
            }
        }
    }

    @Test
    void binfmtMiscCannotBeMountedOrRegistered() throws Exception {
        String host0 = HostProbe.ok("sh", "-c", "grep binfmt_misc /proc/self/mountinfo; ls -A /proc/sys/fs/binfmt_misc 2>/dev/null; true");
        String out = host.sh(g, "exec 2>&1; mkdir -p /tmp/bm; "
                + "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; echo procmount=$?; "
                + "mount -t binfmt_misc binfmt_misc /tmp/bm; echo tmpmount=$?; "
                + "echo ':vs-evil:M::VSEVIL::/tmp/evil:F' > /proc/sys/fs/binfmt_misc/register; echo register=$?; "
                + "grep -c binfmt_misc /proc/self/mountinfo; rmdir /tmp/bm");
        assertTrue(out.contains("procmount=32") && out.contains("tmpmount=32"), "mount(binfmt_misc) fails (EPERM):\n" + out);
        assertTrue(out.contains("register=1") || out.contains("register=2"), "no handler can be registered:\n" + out);
        assertEquals("0", HostProbe.lines(out).getLast(), "no binfmt_misc mount inside:\n" + out);
        assertEquals(host0, HostProbe.ok("sh", "-c", "grep binfmt_misc /proc/self/mountinfo; ls -A /proc/sys/fs/binfmt_misc 2>/dev/null; true"),
                "the host's binfmt_misc is unchanged");
        assertFalse(onHost("/proc/sys/fs/binfmt_misc/vs-evil"));
    }

    /** The host's controller hierarchies (v1) by directory name, as the guest must see them. */
    static List<String> hostHierarchies() throws Exception {
        List<String> names = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            HostProbe.Mount m = HostProbe.Mount.parse(l);
            if (m.fsType().equals("cgroup") && m.point().startsWith("/sys/fs/cgroup/")
                    && m.superOptionList().stream().anyMatch(HostProbe.CONTROLLERS::contains))
                names.add(m.point().substring("/sys/fs/cgroup/".length()));
        }
        return names;
    }

    @Test
    void cgroupfsShowsOnlyTheGuestsOwnCgroupReadOnly() throws Exception {
        List<String> hierarchies = hostHierarchies();
        assertFalse(hierarchies.isEmpty(), "a v1 host (this suite's cgroup layout)");
        StringBuilder script = new StringBuilder("exec 2>&1; ls -A1 /sys/fs/cgroup; echo ===; ");
        for (String h : hierarchies)
            script.append("cd /sys/fs/cgroup/").append(h).append(" && echo \"").append(h)
                    .append(" ra=$(test -e release_agent && echo yes || echo no) sane=$(test -e cgroup.sane_behavior && echo yes || echo no)")
                    .append(" dirs=$(find . -mindepth 1 -type d | wc -l) procs=$(wc -l < cgroup.procs)\"; ");
        script.append("echo ===; grep ' /sys/fs/cgroup' /proc/self/mountinfo; echo ===; cat /proc/self/cgroup");
        String[] parts = host.sh(g, script.toString()).split("===\n");
        assertEquals(new TreeSet<>(hierarchies), new TreeSet<>(HostProbe.lines(parts[0])), "the guest's /sys/fs/cgroup: the controller hierarchies");
        int guestProcs = host.vs.cgroups().processes(g).size();
        for (String line : HostProbe.lines(parts[1])) {
            // release_agent and cgroup.sane_behavior exist only at a hierarchy's real root: the mount's root is the guest's cgroup
            assertTrue(line.contains(" ra=no sane=no dirs=0 "), "no hierarchy root, no other cgroup: " + line);
            int procs = Integer.parseInt(line.substring(line.indexOf("procs=") + 6));
            assertTrue(procs >= 2 && procs <= guestProcs + 4, "cgroup.procs lists the guest's processes only (" + guestProcs + " in its cgroup): " + line);
        }
        List<HostProbe.Mount> mounts = new ArrayList<>();
        for (String l : HostProbe.lines(parts[2])) mounts.add(HostProbe.Mount.parse(l));
        assertEquals(hierarchies.size() + 1, mounts.size(), parts[2]);
        for (HostProbe.Mount m : mounts) {
            assertTrue(m.optionList().containsAll(List.of("ro", "nosuid", "nodev", "noexec")), "read-only: " + m);
            if (m.fsType().equals("cgroup")) assertEquals("/", m.root(), "the mount's root is the guest's cgroup namespace root: " + m);
        }
        for (String l : HostProbe.lines(parts[3]))
            if (!l.startsWith("0::") && !l.contains("name=")) assertTrue(l.endsWith(":/"), "the guest is at the root of its cgroup namespace: " + l);
    }

    @Test
    void cgroupFilesCannotBeWritten() throws Exception {
        String pidsMax = Files.readString(Path.of("/sys/fs/cgroup/pids", host.cgroupParent, g, "pids.max"));
        String out = tryWrites(List.of("/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids/cgroup.procs",
                "/sys/fs/cgroup/memory/notify_on_release", "/sys/fs/cgroup/memory/release_agent", "/sys/fs/cgroup/x"), "1");
        assertEquals(List.of("/sys/fs/cgroup/pids/pids.max EROFS", "/sys/fs/cgroup/pids/cgroup.procs EROFS",
                "/sys/fs/cgroup/memory/notify_on_release EROFS", "/sys/fs/cgroup/memory/release_agent EROFS", "/sys/fs/cgroup/x EROFS"),
                HostProbe.lines(out));
        String mk = host.sh(g, "exec 2>&1; mkdir /sys/fs/cgroup/pids/sub; echo mkdir=$?");
        assertTrue(mk.contains("Read-only file system") && mk.contains("mkdir=1"), mk);
        assertEquals(pidsMax, Files.readString(Path.of("/sys/fs/cgroup/pids", host.cgroupParent, g, "pids.max")));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids", host.cgroupParent, g, "sub")));
    }

    @Test
    void noHostControlSocketIsReachable() throws Exception {
        // vserver's own run directory (state, locks, exec plans) and the host's /run are not in the guest's tree.
        assertTrue(Files.isDirectory(host.rundir.resolve(g)), "the guest's run state exists on the host");
        String out = host.sh(g, "test -e " + host.rundir + " && echo rundir-visible; test -e /run/vservers && echo run-vservers; "
                + "ls -A /run | tr '\\n' ' '; echo; find / -xdev -name exec.plan 2>/dev/null | head -3; echo end");
        assertFalse(out.contains("rundir-visible"), out);
        assertFalse(out.contains("run-vservers"), out);
        assertFalse(out.contains("exec.plan"), "no exec plan of the host is in sight:\n" + out);
        // An abstract unix socket of the host: the guest's own network namespace has its own abstract names.
        String name = "vserver-it-" + host.id;
        Process listener = new ProcessBuilder("perl", "-MSocket", "-e",
                "socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un(\"\\0" + name + "\")) or die \"bind: $!\"; "
                        + "listen($s, 5) or die; $| = 1; print \"listening\\n\"; while (accept(my $c, $s)) { print $c \"host\\n\"; close $c }")
                .redirectErrorStream(true).start();
        try {
            var in = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("listening", in.readLine());
            String connect = "perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; "
                    + "if (connect($s, pack_sockaddr_un(\"\\0" + name + "\"))) { print \"connected: \", scalar <$s> } else { print \"refused: $!\\n\" }'";
            // the control: the same probe on the host does connect
            assertEquals("connected: host\n", HostProbe.ok("sh", "-c", connect));
            assertEquals("refused: Connection refused\n", host.sh(g, connect), "the host's abstract socket from the guest");
        } finally {
            listener.destroy();
            listener.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
