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
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.Feature;

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
        // the views (issue 17): lxcfs's files cannot be written or uncovered, the clocks' offsets not moved
        "umount_view", "lxcfs_write", "timens_offsets",
        // the new mount API and the guest's own user namespace (issue 13)
        "fsmount", "open_tree_move", "mount_setattr_usr", "userns_locked_mounts", "uid_map", "gid_map", "setgroups",
        // kernel surfaces without a namespace (§3.1)
        "keyctl", "bpf_prog_load", "bpf_by_id", "perf_event_open", "perf_event_open_cpu", "userfaultfd", "userfaultfd_kernel", "io_uring_setup",
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

    /** A host namespace leaked into a guest's tree (as a careless bind of /run/netns would) cannot be joined. */
    @Test
    @Order(2)
    void aLeakedHostNamespaceCannotBeJoined() throws Exception {
        EscapeProbe.Outcome o = leakAndJoinHostNetns(g);
        assertTrue(o.safe(), "setns into the host's network namespace from " + g + ": " + o);
    }

    /** Mounts the host's network namespace file at /escape-leak-net in GUEST and has guest root setns into it. */
    static EscapeProbe.Outcome leakAndJoinHostNetns(String guest) throws Exception {
        Path dest = host.guestsDir.resolve(guest).resolve("escape-leak-net");
        if (!Files.exists(dest)) Files.createFile(dest);
        EscapeProbe.Outcome leak = EscapeProbe.onHost("leak_ns", "/proc/self/ns/net:" + host.initPid(guest) + ":/escape-leak-net");
        assertEquals("leaked", leak.detail(), "the test leaks the host's netns into " + guest + ": " + leak);
        EscapeProbe.Outcome o = EscapeProbe.run(host, guest, "setns_path", "/escape-leak-net");
        System.out.println(guest + ": " + o);
        return o;
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

    /** vprocunhide lines that lift every read-only /proc path (">path", "/" for a directory). */
    static String readOnlyLifted() {
        return ProcMasks.READ_ONLY.stream().map(d -> ">" + d + (Files.isDirectory(Path.of(d)) ? "/" : "") + "\n").collect(Collectors.joining());
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
                + readOnlyLifted());
        host.config(off, "seccomp/disabled", "");
        host.config(off, "userns/disabled", "");
        EscapeProbe.install(host, off);
        host.start(off);
        try {
            // not userns_procfs: the guest's own boot id is a mount over /proc/sys/kernel/random/boot_id,
            // which the kernel counts like a mask (a fresh procfs would reveal what it covers), so even
            // with every mask lifted it refuses a new procfs (EPERM)
            assertEquals("EPERM", EscapeProbe.run(host, off, "userns_procfs").detail(), "the boot id's mount keeps procfs refused");
            for (String a : List.of("mount_tmpfs", "unshare_mnt", "setns_uts", "fsopen", "mount_proc_over_sys",
                    "open_by_handle_at", "socket_packet", "socket_raw", "net_caps", "ptrace_init", "core_pattern",
                    "proc_sys_hostname", "fsmount", "open_tree_move", "userns_locked_mounts")) {
                EscapeProbe.Outcome o = EscapeProbe.run(host, off, a);
                assertTrue(o.escaped(), a + " escapes once its defence is off: " + o);
            }
            EscapeProbe.Outcome leaked = leakAndJoinHostNetns(off);
            assertTrue(leaked.escaped(), "host root with CAP_SYS_ADMIN joins a leaked host netns: " + leaked);
            EscapeProbe.Outcome disk = EscapeProbe.run(host, off, "mknod_disk");
            assertTrue(disk.safe() && disk.detail().equals("EPERM"), "the device cgroup refuses the node CAP_MKNOD made: " + disk);
        } finally {
            host.stop(off);
        }
        host.assertNothingLeftOf(off);
    }

    /**
     * The second defence (issue 13): seccomp off, the read-only /proc paths lifted, CAP_SYS_ADMIN and
     * the other capabilities these attacks want added to the bounding set, and only the guest's user
     * namespace left. The capabilities are then the guest's in its own user namespace; the mount,
     * pid, ipc, uts and cgroup namespaces, the filesystems and the kernel-wide knobs belong to the
     * host's, so the kernel refuses all of {@link #USERNS_HOLDS} by itself.
     *
     * <p>Not refused by the user namespace, and not escapes (printed, not asserted):
     * unshare/clone of the other namespaces (new namespaces owned by the guest's; a nested user
     * namespace is refused, without the filter too, by the guest's limit of 0); setns_net (the guest's own netns); ptrace_init (the guest's own
     * init); chroot_escape, proc1_root (the pivot_root'ed tree and the pid namespace contain them).
     * {@code userns_locked_mounts} shows why unshare_mnt is no escape: the copied mounts are locked.
     */
    static final List<String> USERNS_HOLDS = List.of(
            // mounting in the host-owned mount namespace
            "mount_tmpfs", "mount_bind_root", "mount_binfmt_misc", "mount_proc_over_sys", "umount_mask", "fsopen", "fsmount",
            "open_tree_move", "mount_setattr_usr", "pivot_root", "userns_locked_mounts", "userns_procfs", "userns_release_agent",
            // capabilities honoured only in the init user namespace (a kernel without kexec or modules says ENOSYS first)
            "open_by_handle_at", "mknod_disk", "mknod_mem", "kexec_load", "kexec_file_load", "init_module", "finit_module",
            "swapon", "acct", "clock_settime", "settimeofday", "reboot_cad",
            // files owned by the host's root, writable by no id of the guest's range (ENOENT where the kernel lacks them)
            "core_pattern", "modprobe", "sysrq_trigger", "proc_sys_hostname", "uevent_helper",
            // the id maps the host wrote, and the host-owned namespaces of pid 1
            "uid_map", "gid_map", "setgroups", "setns_mnt", "setns_pid", "setns_uts", "setns_ipc", "setns_cgroup",
            // a user namespace of its own: the guest's may hold none (user.max_user_namespaces 0, set from inside)
            "unshare_user", "clone_newuser", "userns_mount");

    @Test
    @Order(4)
    void theUserNamespaceAloneHolds() throws Exception {
        String uns = host.build("esc-uns");
        host.config(uns, "bcapabilities", "CAP_SYS_ADMIN\nCAP_DAC_READ_SEARCH\nCAP_SYS_PTRACE\nCAP_MKNOD\nCAP_SYS_MODULE\n"
                + "CAP_SYS_BOOT\nCAP_SYS_TIME\nCAP_SYS_PACCT\n");
        host.config(uns, "apps/vprocunhide/files", readOnlyLifted());
        host.config(uns, "seccomp/disabled", "");
        EscapeProbe.install(host, uns);
        host.start(uns);
        try {
            // no filter but the monitor's, which takes reboot(2) alone: the user namespace stands alone
            assertEquals("1", HostProbe.status(host.initPid(uns), "Seccomp_filters"), "only the monitor's reboot filter");
            assertTrue(host.sh(uns, "cat /proc/self/uid_map").strip().matches("0\\s+[1-9]\\d*\\s+65536"), "a userns guest");
            List<String> failed = new ArrayList<>();
            for (String a : USERNS_HOLDS) {
                EscapeProbe.Outcome o = EscapeProbe.run(host, uns, a);
                System.out.println("userns alone: " + o);
                if (!o.safe()) failed.add(o.toString());
            }
            EscapeProbe.Outcome ptrace = EscapeProbe.run(host, uns, "ptrace", String.valueOf(hostMarker.pid()));
            System.out.println("userns alone: ptrace of the host's marker: " + ptrace);
            if (!ptrace.safe()) failed.add("ptrace of the host: " + ptrace);
            EscapeProbe.Outcome leaked = leakAndJoinHostNetns(uns);
            if (!leaked.safe()) failed.add("setns into a leaked host netns: " + leaked);
            for (String a : List.of("unshare_mnt", "unshare_pid", "unshare_net",
                    "setns_net", "ptrace_init", "chroot_escape", "proc1_root"))
                System.out.println("userns alone, not its defence: " + EscapeProbe.run(host, uns, a));
            assertEquals(List.of(), failed, "attacks the user namespace alone must refuse");
        } finally {
            host.stop(uns);
        }
        host.assertNothingLeftOf(uns);
    }

    /**
     * A unified guest with a disk limit (issue 14): its store, lower tree, private layer and disk
     * image are host-side state a host user or another guest must not reach. Guest root plants a
     * setuid copy in its private layer (owned there by the guest root's host id), and the mount
     * attacks run against its overlay root.
     */
    @Test
    @Order(4)
    void aUnifiedDiskLimitedGuestKeepsItsLayersToItself() throws Exception {
        String uni = host.build("esc-uni");
        EscapeProbe.install(host, uni);                  // into its tree, which becomes its lower tree
        assertEquals(0, host.cli("vdlimit", "--xid", uni, "--set", "space_total=64M").code());
        var h = host.cli("vhashify", uni);
        assertEquals(0, h.code(), h.toString());
        host.start(uni);
        try {
            assertTrue(host.sh(uni, "grep ' / / ' /proc/self/mountinfo").contains("overlay"), "the attacker's root is the overlay");
            List<String> failed = new ArrayList<>();
            for (String a : List.of("mount_bind_root", "mount_tmpfs", "fsopen", "fsmount", "open_tree_move", "pivot_root",
                    "chroot_escape", "proc1_root", "open_by_handle_at", "mount_setattr_usr", "userns_locked_mounts")) {
                EscapeProbe.Outcome o = EscapeProbe.run(host, uni, a);
                System.out.println("unified: " + o);
                if (!o.safe()) failed.add(o.toString());
            }
            assertEquals(List.of(), failed, "attacks from a unified, disk-limited guest");
            assertEquals("refused\n", host.sh(uni, "mount -o remount,ro / 2>/dev/null && echo remounted || echo refused"),
                    "guest root remounted its overlay root");
            host.sh(uni, "cp /bin/sh /planted && chmod 4755 /planted");
            Path priv = host.guestsDir.resolve(".private").resolve(uni);
            Path planted = priv.resolve("layer/upper/planted");
            assertEquals(04755, (Integer) Files.getAttribute(planted, "unix:mode") & 07777, "the setuid copy is in the private layer");
            long guestRoot = Long.parseLong(Files.readString(host.confdir.resolve(uni).resolve("userns/uidmap")).strip().split("\\s+")[0]);
            assertEquals(guestRoot, ((Integer) Files.getAttribute(planted, "unix:uid")).longValue(),
                    "the private layer keeps the guest's host ids: its setuid file is not the host root's");
            // the host's nobody reaches none of it: the setuid copy, the image, the store, the lower tree
            Path lower = priv.resolve(Files.readSymbolicLink(priv.resolve("lower"))).normalize();
            for (Path p : List.of(planted, priv.resolve("disk.img"), host.guestsDir.resolve(".hash"), lower.resolve("etc"))) {
                var r = HostProbe.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                        "\"$0\" -c 'id -u' 2>&1 </dev/null; cat \"$0\" 2>&1 </dev/null | head -c 100", p.toString());
                assertFalse(r.out().strip().equals("0"), "the host's nobody ran the guest's setuid copy as root:\n" + r);
                assertTrue(r.out().contains("Permission denied"), "nobody reached " + p + ":\n" + r);
            }
            // the neighbour sees none of its layers
            String mounts = host.sh(other, "cat /proc/self/mountinfo");
            assertFalse(mounts.contains(".private") || mounts.contains(".lower") || mounts.contains("/" + uni), mounts);
        } finally {
            host.stop(uni);
        }
        host.assertNothingLeftOf(uni);
        assertEquals(List.of(), UnifyChecks.loopDevicesUnder(host.root), "the guest's image outlived it");
        assertEquals(0, host.cli("vserver", uni, "delete").code());
    }

    /**
     * The compiled start (doc/plan-cache.md) is instructions root runs: the plan cache, the undo
     * journal, the stop file and the exec plan are root's alone on the host, and nothing of them is
     * in a guest's view. The launcher refuses a cache others could write (PlanCacheIT).
     */
    @Test
    @Order(4)
    void theCompiledStartIsRootsAloneAndOutOfTheGuestsSight() throws Exception {
        Path cache = host.cacheDir.resolve(g).resolve("plan");
        assertTrue(Files.isRegularFile(cache.resolve("start.plan")), "the guest was started from a compiled plan");
        // as on a real host, everyone may walk down to them (/run/vservers and /var/cache/vservers are
        // 0755): only their own modes keep them root's
        var rootMode = Files.getPosixFilePermissions(host.root);
        var cacheMode = Files.getPosixFilePermissions(host.cacheDir);
        Files.setPosixFilePermissions(host.root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(host.cacheDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            nobodyReachesNothingOfTheCompiledStart(cache);
        } finally {
            Files.setPosixFilePermissions(host.root, rootMode);
            Files.setPosixFilePermissions(host.cacheDir, cacheMode);
        }
    }

    private static void nobodyReachesNothingOfTheCompiledStart(Path cache) throws Exception {
        List<Path> secrets = List.of(cache, cache.resolve("start.plan"), cache.resolve("key"), host.rundir.resolve(g + ".journal"),
                host.rundir.resolve(g).resolve("stop"), host.rundir.resolve(g).resolve("exec.plan"));
        for (Path p : secrets) {
            assertTrue(Files.exists(p), p + " exists");
            // read it (a directory: list it), append to it, plant a file in it: each must be refused
            var r = HostProbe.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
                    "if [ -d \"$0\" ]; then ls \"$0\"; else cat \"$0\"; fi; echo \"read $?\"; echo x >> \"$0\"; echo \"append $?\"; "
                            + "[ -d \"$0\" ] && { echo x > \"$0\"/planted; echo \"plant $?\"; }; true", p.toString());
            String said = r.out() + r.err();
            assertTrue(r.out().contains("read 1") || r.out().contains("read 2"), "the host's nobody read " + p + ":\n" + r);
            assertFalse(r.out().contains("append 0") || r.out().contains("plant 0"), "the host's nobody wrote " + p + ":\n" + r);
            assertTrue(said.contains("Permission denied"), "refused as the kernel refuses: " + p + ":\n" + r);
            assertFalse(said.contains("vserver-plan-key") || said.contains("VSPL") || said.contains("cgroup "),
                    "the host's nobody read " + p + ":\n" + r);
        }
        assertFalse(Files.exists(cache.resolve("planted")), "nobody planted a file in the cache");
        // the guest's root sees none of it: not the cache, not the run state, not the journal
        for (Path p : secrets)
            assertEquals("absent\n", host.sh(g, "test -e '" + p + "' && echo present || echo absent"), p + " in the guest's view");
        assertEquals("", host.sh(g, "grep -E '" + host.cacheDir + "|" + host.rundir + "' /proc/self/mountinfo || true"),
                "the guest's mount table names the host's cache or run directory");
    }

    /**
     * A netns guest's network is made by the launcher from outside, before its init exists: the
     * launcher enters the guest's network namespace and comes back, and holds the namespace and its
     * journal by fd meanwhile. None of that may reach the guest: its init holds no namespace or
     * netlink fd, it is in its own namespace (not the host's, not the test's), and its root can
     * neither take its device down, readdress it nor delete it (no CAP_NET_ADMIN over it); after all
     * that the stop removes every host change (run in a network namespace of the test's own).
     */
    @Test
    @Order(4)
    @RequiresKernel({Feature.TCX, Feature.CGROUP2})
    void aNetnsGuestGetsNothingOfTheLauncherThatMadeItsNetwork() throws Exception {
        try (TestNetns ns = TestNetns.create("vsit-esc-" + host.id)) {
            String bridge = "vseb" + host.id.substring(0, 6);
            ns.ip("link", "add", bridge, "type", "bridge");
            ns.ip("addr", "add", "10.250.9.1/24", "dev", bridge);
            ns.ip("link", "set", bridge, "up");
            String n = host.build("esc-net");
            host.config(n, "interfaces/mode", "netns\n");
            host.config(n, "interfaces/bridge", bridge + "\n");
            host.config(n, "interfaces/00/ip", "10.250.9.2\n");
            host.config(n, "interfaces/nat", "");
            var start = host.cliIn(ns.path, null, "vserver", n, "start");
            assertEquals(0, start.code(), start.toString());
            try {
                int init = host.initPid(n);
                for (Path other : List.of(Path.of("/proc/self/ns/net"), ns.path))
                    assertFalse(Files.isSameFile(Path.of("/proc/" + init + "/ns/net"), other), "the guest's init is in " + other);
                try (var l = Files.list(Path.of("/proc/" + init + "/fd"))) {
                    for (Path fd : l.toList()) {
                        String target = Files.readSymbolicLink(fd).toString();
                        assertFalse(target.startsWith("net:[") || target.startsWith("user:[") || target.contains(".journal"),
                                "the guest's init holds the launcher's " + fd + " -> " + target);
                    }
                }
                String said = host.sh(n, "for c in 'ip link set eth0 down' 'ip addr add 10.250.9.77/24 dev eth0' 'ip link del eth0'"
                        + " 'ip link add evil type dummy'; do $c 2>&1; echo \"rc=$?\"; done");
                assertFalse(said.contains("rc=0"), "the guest's root changed its network:\n" + said);
                assertTrue(ns.ip("link").contains("vs" + host.context(n) + "@"), "the host end stays");
            } finally {
                assertEquals(0, host.cliIn(ns.path, null, "vserver", n, "stop").code());
            }
            assertFalse(ns.ip("link").contains("vs" + host.context(n) + "@"), "the stop removed the veth");
            assertFalse(ns.exec("nft", "list", "tables").contains("vs" + host.context(n)), "the stop removed the NAT table");
            host.assertNothingLeftOf(n);
        }
    }

    /**
     * A systemd-style guest's own writable cgroup2 tree and its SYS_ADMIN (in its user namespace):
     * no way out of the tree, no cgroup hierarchy of its own to mount, no more than 2048 cgroups,
     * the host's caps on its root not its to change, and its mounts only in namespaces of its own.
     * (The style's init is replaced by a sleep: the delegation comes with the style, not with systemd.)
     */
    @Test
    @Order(4)
    @RequiresKernel(Feature.CGROUP2)
    void aSystemdGuestsCgroupTreeAndSysAdminStayItsOwn() throws Exception {
        String sd = host.build("esc-sd");
        host.config(sd, "apps/init/style", "systemd\n");
        host.config(sd, "apps/init/cmd.start", "/bin/sleep\n3600\n");
        host.start(sd);
        try {
            assertEquals("cgroup2fs\n", host.sh(sd, "stat -f -c %T /sys/fs/cgroup"), "its own writable cgroup2 tree");
            String cgroups = host.sh(sd, "cat /proc/self/cgroup");
            assertTrue(cgroups.lines().anyMatch(l -> l.equals("0::/")) && cgroups.lines().allMatch(l -> l.endsWith(":/")),
                    "rooted at its own cgroup in every hierarchy:\n" + cgroups);
            String said = host.sh(sd, "for c in 'mount -t cgroup2 none /root' 'mount -t cgroup -o memory none /root'"
                    + " 'mount -t tmpfs none /root' 'hostname evil'; do $c 2>/dev/null; echo \"$c rc=$?\"; done;"
                    + " echo max > /sys/fs/cgroup/cgroup.max.descendants 2>/dev/null; echo \"descendants rc=$?\";"
                    + " echo 100 > /sys/fs/cgroup/cgroup.max.depth 2>/dev/null; echo \"depth rc=$?\"");
            for (String line : said.strip().lines().toList())
                assertFalse(line.endsWith(" rc=0"), "the guest did " + line + ":\n" + said);
            String made = host.sh(sd, "n=0; while [ $n -lt 2100 ] && mkdir /sys/fs/cgroup/c$n 2>/dev/null; do n=$((n+1)); done;"
                    + " echo $n; i=0; while [ $i -lt $n ]; do rmdir /sys/fs/cgroup/c$i; i=$((i+1)); done");
            assertEquals("2048", made.strip(), "at most 2048 cgroups below its own");
            // its SYS_ADMIN works in a mount namespace of its own making (systemd's units need that), and there only
            assertEquals("tmpfs\n", host.sh(sd, "unshare -m sh -c 'mount -t tmpfs none /root && stat -f -c %T /root'"));
            assertFalse(host.sh(sd, "grep ' /root ' /proc/self/mountinfo || true").contains("tmpfs"), "not in the guest's own");
        } finally {
            host.stop(sd);
        }
        host.assertNothingLeftOf(sd);
    }

    /**
     * The guest's monitor (launcher/monitor.c), a host process per guest: its console socket and
     * log are root's alone on the host, it is in none of the guest's cgroups and out of its pid
     * namespace, and the reboot(2) it answers for the guest is refused to a guest user as the kernel
     * refuses it (EPERM without CAP_SYS_BOOT): the guest runs on with the same init.
     */
    @Test
    @Order(4)
    void theConsoleMonitorIsRootsAloneAndAnswersOnlyTheGuestsRoot() throws Exception {
        Path socket = host.rundir.resolve(g).resolve("console"), log = host.logDir.resolve(g).resolve("console.log");
        assertTrue(Files.exists(socket) && Files.exists(log), "the monitor serves " + socket + " and writes " + log);
        var rootMode = Files.getPosixFilePermissions(host.root);
        Files.setPosixFilePermissions(host.root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(host.rundir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            var r = HostProbe.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    "import socket, sys\nfor p in sys.argv[1:]:\n  try:\n    s = socket.socket(socket.AF_UNIX); s.connect(p); print('connected', p)\n"
                            + "  except OSError as e: print('refused', e.errno)\n", socket.toString());
            assertEquals("refused 13\n", r.out(), "the host's nobody attached to the guest's console:\n" + r);
            r = HostProbe.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", "cat \"$0\"; echo \"read $?\"",
                    log.toString());
            assertTrue(r.out().contains("read 1") && r.err().contains("Permission denied"), "the host's nobody read the console log:\n" + r);
        } finally {
            Files.setPosixFilePermissions(host.root, rootMode);
        }
        int monitor = Integer.parseInt(Files.readString(host.rundir.resolve(g).resolve("monitor")).split(" ")[0]);
        String cgroups = Files.readString(Path.of("/proc/" + monitor + "/cgroup"));
        assertFalse(cgroups.contains(host.cgroupParent), "the monitor is out of the guest's cgroups (its kill sequence, OOM, freezer): " + cgroups);
        assertEquals("absent\n", host.sh(g, "grep -lx vserver-monitor /proc/[0-9]*/comm >/dev/null && echo present || echo absent"));

        int init = host.initPid(g);
        String said = host.sh(g, "setpriv --reuid=1000 --regid=1000 --clear-groups python3 -c 'import ctypes; "
                + "c = ctypes.CDLL(None, use_errno=True); print(c.reboot(0x1234567), ctypes.get_errno())'");
        assertEquals("-1 1\n", said, "a guest user's reboot(2) is refused with EPERM");
        // the monitor answers after it acted: had it taken the call, the init would be dead by now
        assertEquals(init, host.initPid(g), "the guest runs on with the same init");
        assertEquals("alive\n", host.sh(g, "echo alive"));
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
