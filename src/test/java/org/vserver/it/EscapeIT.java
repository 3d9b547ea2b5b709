package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vserver.config.ProcMasks;
import org.vserver.testsupport.RequiresRoot;

/**
 * The escape suite (security.md §4, §6): every attack of the static probe, run as root inside a
 * live guest, must be blocked or stay inside the guest; a second guest and the host are the
 * targets of the visibility attacks; at the end the host must be as it was (mounts, global knobs,
 * clock, /dev, the JVM's fds).
 *
 * <p>No attack is ever skipped: {@code @BeforeAll} asserts that the attacker runs with its defences
 * (its init under the seccomp filter, seen from the host; a read-only cgroupfs), so a guest without
 * them fails the class, and an attack that succeeds is a failure whatever its defence.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresRoot("starts real guests")
class EscapeIT {
    static TestHost host;
    /** The attacker: the default configuration plus pids, memory and fd limits. */
    static String g;
    /** The neighbour whose processes, IPC and sockets the attacker must not reach. */
    static String other;
    static HostSnapshot before;
    static Process hostMarker;
    static Process hostListener;

    static final String MARKER_HOST = "3601.4242";
    static final String MARKER_OTHER = "3602.4242";

    /** proc_scan's form of a marker ('_' for '.'): the command line that runs the probe must not contain the marker itself. */
    static String needle(String marker) { return marker.replace('.', '_'); }
    static final int NPROC = 64;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        EscapeProbe.build();
        before = HostSnapshot.take();
        g = host.build("esc");
        host.config(g, "rlimits/nproc", NPROC + "\n");
        host.config(g, "rlimits/rss.hard", "16384\n");         // pages: 64 MiB
        host.config(g, "rlimits/nofile", "256\n");
        other = host.build("esc-other");
        EscapeProbe.install(host, g);
        EscapeProbe.install(host, other);
        host.start(g);
        host.start(other);
        hostMarker = new ProcessBuilder("sleep", MARKER_HOST).start();
        host.sh(other, "sleep " + MARKER_OTHER + " </dev/null >/dev/null 2>&1 &");
        // the defences the attacks below meet: a guest without them fails here, it never skips an attack
        assertEquals("2", HostProbe.status(host.initPid(g), "Seccomp"), "the attacker's init runs under its seccomp filter (from the host)");
        assertEquals("2", guestStatus(g, "Seccomp"), "an exec'd process in the attacker runs under the filter");
        assertFalse(cgroupfsWritable(g), "the attacker's cgroupfs is read-only");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hostMarker != null) hostMarker.destroyForcibly().waitFor();
        if (hostListener != null) hostListener.destroyForcibly().waitFor();
        if (host != null) {
            try {
                if (host.guests.running(other).isPresent()) {
                    host.stop(other);
                    host.assertNothingLeftOf(other);
                }
            } finally {
                host.closeAfterStopping(g);
            }
        }
    }

    static String guestStatus(String guest, String field) throws Exception {
        return host.sh(guest, "grep '^" + field + ":' /proc/self/status").replaceAll("^" + field + ":\\s*", "").strip();
    }

    static boolean cgroupfsWritable(String guest) throws Exception {
        return HostProbe.mountinfo(host.sh(guest, "cat /proc/self/mountinfo")).stream()
                .anyMatch(m -> m.fsType().startsWith("cgroup") && !m.optionList().contains("ro"));
    }

    /** An attack that is not blocked or contained fails, whichever defence was meant to stop it. */
    static void assertSafe(EscapeProbe.Outcome o) {
        assertTrue(o.safe(), "attack " + o.name() + " must be blocked or contained: " + o + "\n" + o.raw());
    }

    @ParameterizedTest(name = "{0}")
    @Order(1)
    @ValueSource(strings = {
        // namespace creation and joining (§3.1; userns: §4.7, §4.18)
        "unshare_user", "unshare_mnt", "unshare_pid", "unshare_net", "unshare_uts", "unshare_ipc", "unshare_cgroup", "unshare_time",
        "setns_mnt", "setns_pid", "setns_net", "setns_uts", "setns_ipc", "setns_cgroup", "setns_user",
        "clone_newuser", "clone3_newuser", "userns_mount", "userns_procfs", "userns_release_agent",
        // mounting, pivot_root, chroot and old-root escapes (§4.4, §4.14, §4.15), Shocker (§4.6)
        "mount_tmpfs", "mount_bind_root", "mount_binfmt_misc", "remount_proc_sys_rw", "mount_proc_over_sys", "umount_mask", "fsopen",
        "pivot_root", "chroot_escape", "proc1_root", "open_by_handle_at",
        // kernel surfaces without a namespace (§3.1)
        "keyctl", "bpf_prog_load", "perf_event_open", "perf_event_open_cpu", "userfaultfd", "userfaultfd_kernel", "io_uring_setup",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "acct", "swapon", "clock_settime", "settimeofday",
        "reboot_cad", "personality", "socket_alg", "socket_vsock",
        // devices and terminals (§2.4, §4.12)
        "mknod_disk", "mknod_mem", "open_dev_mem", "open_dev_kmsg", "tiocsti",
        // /proc, /sys and cgroupfs knobs (§4.7, §4.8, §4.10, §4.11)
        "sysrq_trigger", "core_pattern", "modprobe", "uevent_helper", "binfmt_register", "proc_sys_hostname",
        "cgroup_release_agent", "cgroup_procs", "cgroup_pids_max", "cgroup_memory_limit", "cgroup_devices_allow",
        // the network (§4.16, §4.17): only lo, no NET_RAW/NET_ADMIN for sniffing or ARP/RA spoofing
        "socket_packet", "socket_raw", "net_ifaces", "net_caps",
    })
    void attackFails(String attack) throws Exception {
        EscapeProbe.Outcome o = EscapeProbe.run(host, g, attack);
        System.out.println(o);                       // the suite's log lists every outcome, the safe ones too
        assertEquals(attack, o.name());
        if (attack.equals("clone3_newuser"))
            assertEquals("ENOSYS", o.detail(), "the filter answers clone3 with ENOSYS so that libc falls back to clone: " + o);
        if (attack.equals("net_ifaces")) assertEquals("lo", o.detail(), "the guest sees only lo: " + o);
        assertSafe(o);
    }

    @Test
    @Order(2)
    void ptraceReachesNeitherInitNorHostNorOtherGuest() throws Exception {
        List<String> targets = new ArrayList<>(List.of("1", String.valueOf(hostMarker.pid()), String.valueOf(host.initPid(other))));
        for (String pid : targets) {
            EscapeProbe.Outcome o = EscapeProbe.run(host, g, "ptrace", pid);
            assertTrue(o.safe(), "ptrace of pid " + pid + " from inside: " + o);
        }
    }

    @Test
    @Order(2)
    void processesOfTheHostAndTheOtherGuestAreInvisible() throws Exception {
        // positive control: the probe does find a marker where it is visible
        assertTrue(EscapeProbe.run(host, other, "proc_scan", needle(MARKER_OTHER)).escaped(), "the probe finds the marker in its own guest");
        assertTrue(EscapeProbe.onHost("proc_scan", needle(MARKER_HOST)).escaped(), "the probe finds the host marker on the host");
        for (String m : List.of(MARKER_HOST, MARKER_OTHER)) {
            EscapeProbe.Outcome o = EscapeProbe.run(host, g, "proc_scan", needle(m));
            assertTrue(o.safe(), "a process with " + m + " is not visible in " + g + ": " + o);
        }
    }

    @Test
    @Order(2)
    void sysvIpcOfTheHostAndTheOtherGuestIsInvisible() throws Exception {
        String hostKey = "0x" + host.id.substring(0, 7), otherKey = "0x1" + host.id.substring(1, 7);
        try {
            assertEquals("created", EscapeProbe.onHost("shm_create", hostKey).detail());
            assertEquals("created", EscapeProbe.run(host, other, "shm_create", otherKey).detail());
            assertTrue(EscapeProbe.onHost("shm_get", hostKey).escaped(), "positive control: the host sees its own segment");
            for (String k : List.of(hostKey, otherKey)) {
                EscapeProbe.Outcome o = EscapeProbe.run(host, g, "shm_get", k);
                assertTrue(o.safe() && o.detail().equals("ENOENT"), "segment " + k + " is not visible in " + g + ": " + o);
            }
        } finally {
            EscapeProbe.onHost("shm_remove", hostKey);
        }
    }

    @Test
    @Order(2)
    void abstractSocketsOfTheHostAndTheOtherGuestCannotBeReached() throws Exception {
        String name = "vserver-escape-" + host.id;
        hostListener = new ProcessBuilder(EscapeProbe.BINARY.toString(), "abstract_listen", name).start();
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(hostListener.getInputStream())).readLine();
        assertTrue(first.contains("listening"), "the host listener is up: " + first);
        host.sh(other, EscapeProbe.IN_GUEST + " abstract_listen " + name + "-other </dev/null >/dev/null 2>&1 &");
        assertTrue(EscapeProbe.onHost("abstract_connect", name).escaped(), "positive control: the host reaches its own socket");
        for (String n : List.of(name, name + "-other")) {
            EscapeProbe.Outcome o = EscapeProbe.run(host, g, "abstract_connect", n);
            assertTrue(o.safe() && o.detail().equals("ECONNREFUSED"), "@" + n + " is not reachable from " + g + ": " + o);
        }
    }

    @Test
    @Order(2)
    void hostAndDomainNameStayTheHostsAndTheOtherGuests() throws Exception {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        String domain = Files.readString(Path.of("/proc/sys/kernel/domainname"));
        for (String a : List.of("sethostname", "setdomainname")) assertTrue(EscapeProbe.run(host, g, a).safe(), a);
        assertEquals(hostname, Files.readString(Path.of("/proc/sys/kernel/hostname")), "the host's name");
        assertEquals(domain, Files.readString(Path.of("/proc/sys/kernel/domainname")), "the host's domain name");
        assertEquals(other, host.sh(other, "hostname").strip(), "the other guest's name");
    }

    @Test
    @Order(2)
    void resourceExhaustionStopsAtTheGuestsLimits() throws Exception {
        EscapeProbe.Outcome fork = EscapeProbe.run(host, g, "forkbomb", "1000");
        assertTrue(fork.safe() && fork.detail().startsWith("EAGAIN"), "forks stop at the pids limit: " + fork);
        int made = Integer.parseInt(fork.detail().replaceAll(".*-after-", ""));
        assertTrue(made < NPROC, "fewer than " + NPROC + " children: " + fork);
        EscapeProbe.Outcome mem = EscapeProbe.run(host, g, "memory", "256");
        assertTrue(mem.safe(), "256 MiB do not fit in the guest's 64 MiB: " + mem);
        EscapeProbe.Outcome fds = EscapeProbe.run(host, g, "fd_exhaustion");
        assertTrue(fds.safe() && fds.detail().startsWith("EMFILE"), "fds stop at RLIMIT_NOFILE, which cannot be raised: " + fds);
        assertEquals(0, host.cli("vserver", g, "exec", "true").code(), "the guest still works");
    }

    /** Last among the attacks: it kills every process of the attacker's guest but its init. */
    @Test
    @Order(3)
    void killMinusOneKillsOnlyTheGuestsOwnProcesses() throws Exception {
        int otherInit = host.initPid(other);
        host.cli("vserver", g, "exec", EscapeProbe.IN_GUEST, "kill_all");   // its own session may die with it
        Thread.sleep(300);
        assertTrue(hostMarker.isAlive(), "the host's process survives kill(-1) in a guest");
        assertTrue(EscapeProbe.run(host, other, "proc_scan", needle(MARKER_OTHER)).escaped(), "the other guest's process survives");
        assertEquals(otherInit, host.initPid(other));
        assertTrue(host.guests.running(g).isPresent(), "the attacker's init survives too (pid 1 ignores it)");
        assertEquals(0, host.cli("vserver", g, "exec", "true").code(), "the attacker's guest still works");
    }

    /**
     * The probe is no placebo: in a guest of its own with the defences switched off (capabilities
     * added to the bounding set, /proc masks and read-only paths lifted, the seccomp filter off, no
     * user namespace)
     * the same attacks escape; the device cgroup still refuses the raw disk with CAP_MKNOD.
     */
    @Test
    @Order(4)
    void withTheDefencesOffTheProbeEscapes() throws Exception {
        String off = host.build("esc-off");
        host.config(off, "bcapabilities", "CAP_SYS_ADMIN\nCAP_DAC_READ_SEARCH\nCAP_NET_RAW\nCAP_SYS_PTRACE\nCAP_MKNOD\n");
        host.config(off, "apps/vprocunhide/files", String.join("\n", ProcMasks.MASKED_FILES) + "\n"
                + ProcMasks.MASKED_DIRS.stream().filter(d -> d.startsWith("/proc/")).map(d -> d + "/\n").collect(Collectors.joining())
                + ProcMasks.READ_ONLY.stream().map(d -> ">" + d + (Files.isDirectory(Path.of(d)) ? "/" : "") + "\n").collect(Collectors.joining()));
        host.config(off, "seccomp/disabled", "");
        host.config(off, "userns/disabled", "");
        EscapeProbe.install(host, off);
        host.start(off);
        try {
            for (String a : List.of("mount_tmpfs", "unshare_mnt", "setns_uts", "fsopen", "mount_proc_over_sys",
                    "open_by_handle_at", "socket_packet", "socket_raw", "net_caps", "ptrace_init", "userns_procfs", "core_pattern",
                    "proc_sys_hostname")) {
                EscapeProbe.Outcome o = EscapeProbe.run(host, off, a);
                assertTrue(o.escaped(), a + " escapes once its defence is off: " + o);
            }
            EscapeProbe.Outcome disk = EscapeProbe.run(host, off, "mknod_disk");
            assertTrue(disk.safe() && disk.detail().equals("EPERM"), "the device cgroup refuses the node CAP_MKNOD made: " + disk);
        } finally {
            host.stop(off);
        }
        host.assertNothingLeftOf(off);
    }

    @Test
    @Order(5)
    void theHostIsAsItWas() throws Exception {
        for (String guest : List.of(g, other)) {
            int init = host.initPid(guest);
            List<Path> fds;
            try (var l = Files.list(Path.of("/proc/" + init + "/fd"))) {
                fds = l.toList();
            }
            for (Path fd : fds) {
                String target = Files.readSymbolicLink(fd).toString();
                assertFalse(target.startsWith(host.root.toString()) || target.startsWith(host.confdir.toString())
                        || target.startsWith("/sys/fs/cgroup") || target.startsWith("/proc/"),
                        guest + "'s init holds a host fd " + fd + " -> " + target);
            }
        }
        List<String> changes = HostSnapshot.take().changesSince(before, host.root);
        assertEquals(List.of(), changes, "the host changed during the escape suite");
        assertTrue(hostMarker.isAlive());
        assertFalse(hostMarker.waitFor(0, TimeUnit.MILLISECONDS));
    }
}
