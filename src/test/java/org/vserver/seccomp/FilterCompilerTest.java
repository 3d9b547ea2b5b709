package org.vserver.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.config.SeccompConfig;
import org.vserver.context.Capabilities;
import org.vserver.context.GuestFilter;
import org.vserver.kernel.Capability;

/** The compiled default filter, translated to eBPF and run on a {@link SeccompData} of (arch, nr, args). */
class FilterCompilerTest {
    static final int X86_64 = Arch.X86_64.auditArch(), I386 = Arch.I386.auditArch();
    static final int ALLOW = Action.RET_ALLOW, EPERM = Action.EPERM.value(), ENOSYS = Action.ENOSYS.value(),
            KILL = Action.RET_KILL_PROCESS, EAFNOSUPPORT = Action.errno(97).value();

    static final Profile GUEST = DefaultProfile.of(Capabilities.SECURE_DEFAULT);
    static final SeccompData.Filter BPF = new SeccompData.Filter(FilterCompiler.compile(GUEST));

    static int nr(Arch a, String name) { return SyscallTable.of(a).numbers().get(name) + a.base(); }

    static int x64(String name, long... args) { return BPF.run(X86_64, nr(Arch.X86_64, name), args).action(); }

    static int i386(String name, long... args) { return BPF.run(I386, nr(Arch.I386, name), args).action(); }

    @Test
    void anArchNotListedIsKilled() {
        assertEquals(KILL, BPF.run(0xC00000B7 /* AUDIT_ARCH_AARCH64 */, 172).action());
        assertEquals(KILL, BPF.run(0, 39).action());
        var only64 = new SeccompData.Filter(FilterCompiler.compile(new Profile(EnumSet.of(Arch.X86_64), Map.of(), Action.ALLOW, Action.ENOSYS)));
        assertEquals(KILL, only64.run(I386, 20).action());
        assertEquals(KILL, only64.run(X86_64, Arch.X32_SYSCALL_BIT + 39).action(), "x32 numbers on the x86_64 arch");
        assertEquals(ALLOW, only64.run(X86_64, 39).action());
    }

    @Test
    void allowedCallsAreDecidedWithoutReadingArguments() {
        for (String s : List.of("getppid", "read", "write", "openat", "execve", "capset", "prctl", "setresuid", "setgroups",
                "umask", "chdir", "setsid", "seccomp", "reboot", "chroot", "ptrace", "wait4", "mmap", "name_to_handle_at", "vhangup")) {
            var r = BPF.run(X86_64, nr(Arch.X86_64, s));
            assertEquals(ALLOW, r.action(), s);
            assertFalse(r.readArgs(), s + " read an argument: the kernel's action cache cannot skip it");
        }
        assertTrue(BPF.run(X86_64, nr(Arch.X86_64, "getppid")).steps() <= 16, "a deep search costs every uncached call");
    }

    @Test
    void everyBlockedClassFailsWithEperm() {
        for (String s : List.of("add_key", "keyctl", "request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
                "io_uring_enter", "io_uring_register", "open_by_handle_at", "kexec_load", "kexec_file_load", "init_module",
                "finit_module", "delete_module", "mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
                "open_tree", "mount_setattr", "pivot_root", "setns", "acct", "swapon", "swapoff", "clock_settime",
                "settimeofday", "clock_adjtime", "quotactl", "syslog", "lookup_dcookie", "nfsservctl", "process_vm_readv",
                "kcmp", "mbind", "iopl", "ioperm", "sethostname", "fanotify_init")) {
            assertEquals(EPERM, x64(s), "x86_64 " + s);
            if (SyscallTable.of(Arch.I386).numbers().containsKey(s)) assertEquals(EPERM, i386(s), "i386 " + s);
            if (SyscallTable.of(Arch.X32).numbers().containsKey(s)) assertEquals(EPERM, BPF.run(X86_64, nr(Arch.X32, s)).action(), "x32 " + s);
        }
        assertEquals(EPERM, i386("umount"));
        assertEquals(EPERM, i386("stime"));
    }

    @Test
    void namespaceCreationIsRefusedButThreadsAndForksPass() {
        long thread = 0x3d0f00; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
        assertEquals(ALLOW, x64("clone", thread));
        assertEquals(ALLOW, x64("clone", 17 /* SIGCHLD: fork */));
        for (long ns : List.of(0x20000L, 0x10000000L, 0x2000000L, 0x4000000L, 0x8000000L, 0x20000000L, 0x40000000L)) {
            assertEquals(EPERM, x64("clone", ns | 17), "clone " + Long.toHexString(ns));
            assertEquals(EPERM, x64("unshare", ns), "unshare " + Long.toHexString(ns));
            assertEquals(EPERM, i386("clone", ns | 17), "i386 clone " + Long.toHexString(ns));
            assertEquals(EPERM, i386("unshare", ns), "i386 unshare " + Long.toHexString(ns));
        }
        assertEquals(EPERM, x64("unshare", 0x80 /* CLONE_NEWTIME */));
        assertEquals(ALLOW, x64("unshare", 0x400 /* CLONE_FILES */));
        assertEquals(ENOSYS, x64("clone3"), "clone3 says ENOSYS so libc falls back to clone");
        assertEquals(ENOSYS, i386("clone3"));
    }

    @Test
    void personalityOnlyTakesDockersSafeValues() {
        for (long p : List.of(0L, 8L, 0x20000L, 0x20008L, 0xffffffffL)) {
            assertEquals(ALLOW, x64("personality", p), Long.toHexString(p));
            assertEquals(ALLOW, i386("personality", p), Long.toHexString(p));
        }
        assertEquals(EPERM, x64("personality", 0x40000 /* ADDR_NO_RANDOMIZE */));
        assertEquals(EPERM, x64("personality", 0x0400000 /* READ_IMPLIES_EXEC */));
    }

    @Test
    void socketFamiliesAlgAndVsockAreNotSupported() {
        assertEquals(EAFNOSUPPORT, x64("socket", 38));
        assertEquals(EAFNOSUPPORT, x64("socket", 40));
        assertEquals(EAFNOSUPPORT, i386("socket", 38));
        assertEquals(ALLOW, x64("socket", 2));
        assertEquals(ALLOW, x64("socket", 16 /* netlink */));
        assertEquals(ALLOW, i386("socketcall"), "the admitted i386 gap, as in Docker");
    }

    @Test
    void numbersNoTableKnowsSayEnosys() {
        assertEquals(ENOSYS, BPF.run(X86_64, 1000).action());
        assertEquals(ENOSYS, BPF.run(X86_64, 0x3fffffff).action());
        assertEquals(ENOSYS, BPF.run(X86_64, 0x7fffffff).action());
        assertEquals(ENOSYS, BPF.run(X86_64, 0xffffffff).action());
        assertEquals(ENOSYS, BPF.run(I386, 5000).action());
        assertEquals(ENOSYS, BPF.run(X86_64, 335 /* a gap in the x86_64 table */).action());
    }

    @Test
    void x32AndI386CallsMapByName() {
        assertEquals(ALLOW, BPF.run(X86_64, nr(Arch.X32, "getpid")).action());
        assertEquals(ALLOW, BPF.run(X86_64, Arch.X32_SYSCALL_BIT + 512 /* x32 rt_sigaction */).action());
        assertEquals(ALLOW, BPF.run(I386, 20 /* getpid */).action());
        assertEquals(EPERM, BPF.run(I386, nr(Arch.I386, "keyctl")).action());
        assertEquals(ALLOW, BPF.run(I386, nr(Arch.I386, "socketcall")).action());
    }

    /** Every number of every table: the filter says what the profile says, and reads args only for arg rules. */
    @Test
    void theFilterAgreesWithTheProfileForEveryKnownCall() {
        long[][] samples = {{0}, {17}, {0x20000}, {0x80}, {8}, {38}, {40}, {0xffffffffL}, {0x40000}};
        for (Arch a : Arch.values()) {
            SyscallTable.of(a).numbers().forEach((name, n) -> {
                Decision d = GUEST.decision(name);
                for (long[] args : samples) {
                    var r = BPF.run(a == Arch.I386 ? I386 : X86_64, n + a.base(), args);
                    int want = d instanceof Action act ? act.value() : ((ArgRule) d).decide(args).value();
                    assertEquals(want, r.action(), a + " " + name + " " + Long.toHexString(args[0]));
                    assertEquals(d instanceof ArgRule, r.readArgs(), a + " " + name + ": argument reads");
                }
            });
        }
    }

    @Test
    void capabilitiesOpenTheirGates() {
        var caps = EnumSet.copyOf(Capabilities.SECURE_DEFAULT);
        caps.addAll(Set.of(Capability.SYS_ADMIN, Capability.SYS_TIME, Capability.SYS_PTRACE));
        var bpf = new SeccompData.Filter(FilterCompiler.compile(DefaultProfile.of(caps)));
        for (String s : List.of("mount", "umount2", "setns", "pivot_root", "bpf", "perf_event_open", "clock_settime", "kcmp", "clone3"))
            assertEquals(ALLOW, bpf.run(X86_64, nr(Arch.X86_64, s)).action(), s);
        assertEquals(ALLOW, bpf.run(X86_64, nr(Arch.X86_64, "clone"), 0x10000000L | 17).action(), "CLONE_NEWUSER with SYS_ADMIN");
        assertEquals(EPERM, bpf.run(X86_64, nr(Arch.X86_64, "keyctl")).action(), "never allowed");
        assertEquals(EPERM, bpf.run(X86_64, nr(Arch.X86_64, "kexec_load")).action(), "never allowed");
        var noBoot = EnumSet.copyOf(Capabilities.SECURE_DEFAULT);
        noBoot.remove(Capability.SYS_BOOT);
        noBoot.remove(Capability.SYS_CHROOT);
        var b2 = new SeccompData.Filter(FilterCompiler.compile(DefaultProfile.of(noBoot)));
        assertEquals(EPERM, b2.run(X86_64, nr(Arch.X86_64, "reboot")).action());
        assertEquals(EPERM, b2.run(X86_64, nr(Arch.X86_64, "chroot")).action());
    }

    @Test
    void allowAndDenyListsApplyInOrder() {
        var cfg = new SeccompConfig(false, List.of(new SeccompConfig.Change("uname", 1), new SeccompConfig.Change("keyctl", 0),
                new SeccompConfig.Change("getppid", 38), new SeccompConfig.Change("personality", 0),
                new SeccompConfig.Change("uname", 13)));
        var bpf = new SeccompData.Filter(FilterCompiler.compile(GuestFilter.profile(cfg, Capabilities.SECURE_DEFAULT)));
        assertEquals(Action.errno(13).value(), bpf.run(X86_64, nr(Arch.X86_64, "uname")).action(), "the later line wins");
        assertEquals(Action.errno(13).value(), bpf.run(I386, nr(Arch.I386, "uname")).action(), "every ABI");
        assertEquals(ALLOW, bpf.run(X86_64, nr(Arch.X86_64, "keyctl")).action());
        assertEquals(ENOSYS, bpf.run(X86_64, nr(Arch.X86_64, "getppid")).action());
        assertEquals(ALLOW, bpf.run(X86_64, nr(Arch.X86_64, "personality"), 0x40000).action(), "allow beats the arg rule");
    }

    @Test
    void theProgramFitsTheKernelsLimit() {
        int n = FilterCompiler.compile(GUEST).insns().size();
        assertTrue(n < 1024, n + " instructions");
    }
}
