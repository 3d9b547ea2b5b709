package org.vserver.seccomp;

import static org.vserver.kernel.Capability.*;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.vserver.kernel.Capability;

/**
 * The default filter of every guest: Docker's default profile (security.md §3.1) turned around
 * into a deny list over the kernel's tables, with its capability gates applied to the guest's
 * bounding set. Everything not named here is allowed; a call a gate closes fails with EPERM, as
 * in Docker; numbers no table knows fail with ENOSYS (so a newer libc falls back).
 *
 * <p>Where this differs from Docker, and why:
 * <ul>
 *   <li>unshare is allowed without namespace flags (CLONE_FILES, CLONE_FS, ...), as clone is;
 *       only namespace creation needs SYS_ADMIN.</li>
 *   <li>kexec_load and kexec_file_load stay blocked although guests keep SYS_BOOT (for reboot,
 *       which only ends the guest's pid namespace).</li>
 *   <li>vhangup follows SYS_TTY_CONFIG (as in nspawn): getty and login call it.</li>
 *   <li>name_to_handle_at is allowed (as in nspawn): it only names a file; opening by handle, the
 *       "Shocker" half, stays behind DAC_READ_SEARCH.</li>
 *   <li>socket(AF_ALG) and socket(AF_VSOCK) fail with EAFNOSUPPORT, what a kernel without the
 *       family says, so programs take their fallback. i386's socketcall(2) is not checked (its
 *       arguments are in memory; Docker has the same gap); the direct i386 socket call is.</li>
 *   <li>ptrace is allowed (Docker on kernels from 4.8): within the guest's pid namespace it is
 *       what strace and gdb need; the kernel refuses it against more privileged processes.</li>
 * </ul>
 */
public final class DefaultProfile {
    private DefaultProfile() {}

    /** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: Docker's mask for clone. */
    public static final int CLONE_NS_FLAGS = 0x7E020000;
    /** unshare also takes CLONE_NEWTIME (0x80), which clone's low byte (the exit signal) cannot. */
    public static final int UNSHARE_NS_FLAGS = CLONE_NS_FLAGS | 0x80;
    /** The personalities Docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query. */
    public static final List<Integer> PERSONALITIES = List.of(0, 8, 0x20000, 0x20008, 0xffffffff);
    public static final int AF_ALG = 38, AF_VSOCK = 40, EAFNOSUPPORT = 97;

    /** Never allowed, whatever the capabilities. */
    static final List<String> BLOCKED = List.of(
            "add_key", "keyctl", "request_key",                                // the keyring is not per guest
            "userfaultfd",                                                     // stretches kernel race windows
            "io_uring_setup", "io_uring_enter", "io_uring_register",           // Google kCTF: breakouts
            "kexec_load", "kexec_file_load",
            "swapon", "swapoff",
            "lookup_dcookie", "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old",
            "create_module", "get_kernel_syms", "query_module", "vserver", "afs_syscall", "tuxcall",
            "security", "getpmsg", "putpmsg");

    /** Allowed only if the guest's bounding set holds one of the capabilities. */
    static final Map<String, Set<Capability>> GATED = gated();

    private static Map<String, Set<Capability>> gated() {
        Map<String, Set<Capability>> m = new TreeMap<>();
        for (String s : List.of("mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
                "open_tree", "mount_setattr", "pivot_root", "setns", "fanotify_init", "quotactl",
                "quotactl_fd", "sethostname", "setdomainname"))
            m.put(s, Set.of(SYS_ADMIN));
        m.put("bpf", Set.of(SYS_ADMIN, BPF));
        m.put("perf_event_open", Set.of(SYS_ADMIN, PERFMON));
        m.put("syslog", Set.of(SYS_ADMIN, SYSLOG));
        m.put("open_by_handle_at", Set.of(DAC_READ_SEARCH));
        m.put("reboot", Set.of(SYS_BOOT));
        m.put("chroot", Set.of(SYS_CHROOT));
        for (String s : List.of("init_module", "finit_module", "delete_module")) m.put(s, Set.of(SYS_MODULE));
        m.put("acct", Set.of(SYS_PACCT));
        for (String s : List.of("process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise"))
            m.put(s, Set.of(SYS_PTRACE));
        for (String s : List.of("iopl", "ioperm")) m.put(s, Set.of(SYS_RAWIO));
        for (String s : List.of("settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64"))
            m.put(s, Set.of(SYS_TIME));
        for (String s : List.of("mbind", "set_mempolicy", "get_mempolicy", "migrate_pages", "move_pages", "set_mempolicy_home_node"))
            m.put(s, Set.of(SYS_NICE));
        m.put("vhangup", Set.of(SYS_TTY_CONFIG));
        return m;
    }

    /** The profile for a guest with bounding set {@code caps}: every ABI of an x86_64 kernel listed. */
    public static Profile of(Set<Capability> caps) {
        Map<String, Decision> r = new TreeMap<>();
        for (String s : BLOCKED) r.put(s, Action.EPERM);
        GATED.forEach((name, unlock) -> {
            if (unlock.stream().noneMatch(caps::contains)) r.put(name, Action.EPERM);
        });
        boolean admin = caps.contains(SYS_ADMIN);
        if (!admin) {
            // Namespace creation: clone's flags are in a register; clone3's are in memory, where
            // BPF cannot look, so clone3 says ENOSYS and libc falls back to clone.
            r.put("clone", new ArgRule(List.of(new ArgRule.Check(0, ArgRule.Test.ANY_BIT, CLONE_NS_FLAGS, Action.EPERM)), Action.ALLOW));
            r.put("unshare", new ArgRule(List.of(new ArgRule.Check(0, ArgRule.Test.ANY_BIT, UNSHARE_NS_FLAGS, Action.EPERM)), Action.ALLOW));
            r.put("clone3", Action.ENOSYS);
        }
        r.put("personality", new ArgRule(PERSONALITIES.stream()
                .map(p -> new ArgRule.Check(0, ArgRule.Test.EQ, p, Action.ALLOW)).toList(), Action.EPERM));
        Action noFamily = Action.errno(EAFNOSUPPORT);
        r.put("socket", new ArgRule(List.of(new ArgRule.Check(0, ArgRule.Test.EQ, AF_ALG, noFamily),
                new ArgRule.Check(0, ArgRule.Test.EQ, AF_VSOCK, noFamily)), Action.ALLOW));
        return new Profile(EnumSet.allOf(Arch.class), r, Action.ALLOW, Action.ENOSYS);
    }
}
