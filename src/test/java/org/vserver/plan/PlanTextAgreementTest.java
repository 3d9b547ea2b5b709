package org.vserver.plan;

import org.vserver.bpf.ClassicInsn;
import org.vserver.bpf.ClassicProgram;
import org.vserver.bpf.EbpfProgram;
import org.vserver.bpf.Insn;
import org.vserver.kernel.MountFlag;
import org.vserver.kernel.Namespace;
import org.vserver.kernel.Rlimit;
import org.vserver.kernel.Capability;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.context.Capabilities;
import org.vserver.seccomp.DefaultProfile;
import org.vserver.seccomp.FilterCompiler;

/**
 * The launcher's {@code --dry-run} decodes the binary plan and prints it; it must print exactly
 * what {@link PlanText#render} prints from the same {@link Plan}. The C side names flags and
 * capabilities from libc's and the kernel's constants, so this also checks MountFlag, Namespace
 * and Capability against them, and PlanWriter against the C decoder.
 */
class PlanTextAgreementTest {

    @TempDir Path dir;

    record Result(int exit, String out, String err) {}

    static Path launcher() {
        String p = System.getProperty("vserver.launcher");
        assertTrue(p != null && Files.isExecutable(Path.of(p)), "vserver.launcher not built: " + p);
        return Path.of(p);
    }

    Result dryRun(byte[] bin) throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "plan", ".bin");
        Files.write(file, bin);
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(launcher().toString(), "--dry-run", file.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "launcher --dry-run hangs");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    void assertAgree(Plan plan) throws Exception {
        Result r = dryRun(PlanWriter.write(plan));
        assertEquals(0, r.exit(), "--dry-run failed: " + r.err());
        assertEquals(PlanText.render(plan), r.out());
    }

    @Test
    void everyOp() throws Exception {
        Set<Capability> all = EnumSet.allOf(Capability.class);
        Plan plan = Plan.builder()
                .add(new Step.CloseFrom(5))
                .add(new Step.Unshare(EnumSet.of(Namespace.UTS, Namespace.IPC)))
                .add(new Step.SetNs("/proc/42/ns/mnt", Namespace.MNT))
                .add(new Step.Clone(EnumSet.allOf(Namespace.class), Step.ParentMode.EXIT))
                .add(new Step.Clone(Set.of(), Step.ParentMode.WAIT))
                .add(new Step.Await(Sync.GUEST_PID))
                .add(new Step.SetHostname("guest1"))
                .add(new Step.SetDomainname("example.org"))
                .add(new Step.Mkdir("/var/run/x", 0755))
                .add(Step.Mknod.charDevice("/dev/null", 0666, 1, 3))
                .add(Step.Mknod.charDevice("/dev/big", 0600, 4095, 1048575))
                .add(new Step.Symlink("/proc/self/fd", "/dev/fd"))
                .add(new Step.Mount(null, "/", null, EnumSet.of(MountFlag.REC, MountFlag.PRIVATE), null))
                .add(new Step.Mount("proc", "/proc", "proc", EnumSet.of(MountFlag.NOSUID, MountFlag.NODEV, MountFlag.NOEXEC), ""))
                .add(new Step.Mount("tmpfs", "/tmp", "tmpfs", Set.of(), "size=10%,mode=1777"))
                .add(new Step.Umount("/.oldroot", Step.Umount.DETACH))
                .add(new Step.PivotRoot("/var/lib/vservers/g"))
                .add(new Step.Chdir("/"))
                .add(new Step.VerifyCwd("/home/alice"))
                .add(new Step.OpenStdio("/dev/console"))
                .add(new Step.SetRlimit(Rlimit.NOFILE, 1024, 4096))
                .add(new Step.SetRlimit(Rlimit.CORE, 0, Step.SetRlimit.INFINITY))
                .add(new Step.SetRlimit(Rlimit.AS, Step.SetRlimit.INFINITY, Step.SetRlimit.INFINITY))
                .add(new Step.SetPriority(-20))
                .add(new Step.SetPriority(19))
                .add(new Step.SetIoprio(2, 7))
                .add(new Step.SetIoprio(3, 0))
                .add(new Step.SetIoprio(2, 3))
                .add(new Step.Setsid())
                .add(new Step.SetIds(1000, 100, List.of(4, 24, 27)))
                .add(new Step.SetIds(0, 0, List.of()))
                .add(new Step.SetCaps(all, all, all, all, all))
                .add(new Step.SetCaps(Set.of(), Set.of(), Set.of(), Set.of(), Set.of()))
                .add(new Step.SetCaps(EnumSet.of(Capability.CHOWN, Capability.NET_RAW, Capability.CHECKPOINT_RESTORE),
                        EnumSet.of(Capability.NET_BIND_SERVICE), Set.of(), EnumSet.of(Capability.SYS_ADMIN), Set.of()))
                .add(new Step.NoNewPrivs())
                .add(new Step.WriteFile("/proc/self/oom_score_adj", "-1000"))
                .add(new Step.OpenFd("/sys/fs/cgroup/pids/vservers/g/cgroup.procs", 10))
                .add(new Step.WriteFd(10, "0"))
                .add(new Step.VerifyProc(4242, 123456789L))
                .add(new Step.VerifyProc(1, -1L))
                .add(new Step.PtyRelay())
                .add(new Step.Reaper())
                .add(new Step.ExecArgv(List.of("PATH=/usr/bin:/bin", "TERM=xterm")))
                .add(new Step.ExecArgv(List.of()))
                .add(new Step.Exec("/sbin/init", List.of("/sbin/init", "3"), List.of("PATH=/bin", "container=vserver")))
                .add(new Step.SetUmask(022))
                .add(new Step.SetUmask(0))
                .add(new Step.SetNsPid(4242, 123456789L, EnumSet.of(Namespace.MNT, Namespace.PID, Namespace.NET)))
                .add(new Step.Seccomp(FilterCompiler.compile(
                        DefaultProfile.of(Capabilities.SECURE_DEFAULT))))
                .add(new Step.Seccomp(new ClassicProgram(List.of(ClassicInsn.ret(0x7fff0000)))))
                .add(new Step.LandlockScope(Step.LandlockScope.ABSTRACT_UNIX_SOCKET))
                .add(new Step.OpenRoot("/var/lib/vservers/g"))
                .add(new Step.MkdirIn("/proc", 0555))
                .add(Step.MknodIn.charDevice("/dev/null", 0666, 1, 3))
                .add(new Step.MknodIn("/dev/console", 0100600, 0))
                .add(new Step.SymlinkIn("pts/ptmx", "/dev/ptmx"))
                .add(new Step.MountIn("proc", "/proc", "proc", EnumSet.of(MountFlag.NOSUID, MountFlag.NODEV), null))
                .add(new Step.MountIn(null, "/proc/sys", null, EnumSet.of(MountFlag.REMOUNT, MountFlag.BIND, MountFlag.RDONLY), ""))
                .add(new Step.BindIn("/dev/null", "/proc/kcore", EnumSet.of(MountFlag.BIND)))
                .add(new Step.BindIn("/proc/sys", "/proc/sys", EnumSet.of(MountFlag.BIND, MountFlag.REC)))
                .add(new Step.UsernsCreate(7, Step.UsernsCreate.mapLine(0, 100000, 65536),
                        "0 100000 65536\n65536 1000 1\n", EnumSet.of(Namespace.NET)))
                .add(new Step.UsernsCreate(20, "", "", Set.of()))
                .add(new Step.SetNsFd(8, Namespace.NET))
                .add(new Step.SetNsFd(7, Namespace.USER))
                .add(new Step.MountIdmap("/var/lib/vservers/g", "/var/lib/vservers/g", 7, Set.of()))
                .add(new Step.MountIdmap("/usr", "/mnt/usr", 7, EnumSet.of(MountFlag.RDONLY, MountFlag.NOSUID, MountFlag.NODEV)))
                .add(new Step.BindIdmapIn("/usr", "/usr", 7, EnumSet.of(MountFlag.RDONLY)))
                .add(new Step.BindIdmapIn("/srv/shared", "/srv", 9, Step.IDMAP_ATTRS.stream()
                        .filter(f -> f != MountFlag.RELATIME && f != MountFlag.STRICTATIME).collect(java.util.stream.Collectors.toSet())))
                .add(new Step.ChownIn("/dev/null", 100000, 100000))
                .add(new Step.ChownIn("/dev/tty", -1, 100005))
                .add(new Step.Chown("/sys/fs/cgroup/vservers/g", 100000, -1))
                .add(new Step.Prlimit(4242, Rlimit.NOFILE, 1024, Step.SetRlimit.INFINITY))
                .add(new Step.MountLoop("/var/lib/vservers/.images/g.img", "/var/lib/vservers/g", "ext4",
                        EnumSet.of(MountFlag.NOSUID, MountFlag.NODEV), null))
                .add(new Step.MountLoop("/srv/ro.img", "/mnt/ro", "squashfs", EnumSet.of(MountFlag.RDONLY), "errors=continue"))
                .add(new Step.Journal("/run/vservers/g.journal"))
                .add(new Step.MkdirHost("/run/vservers/g", 0700))
                .add(new Step.CgroupMkdir("/sys/fs/cgroup/pids/vservers/g"))
                .add(new Step.CreateFile("/run/vservers/g/note", "a \"quoted\"\nline\n", 0600))
                .add(new Step.Link("/var/cache/vservers/g/plan/exec.plan", "/run/vservers/g/exec.plan"))
                .add(new Step.BpfAttach("/sys/fs/cgroup/unified/vservers/g", 15, 6, 2, "vserver_dev",
                        new EbpfProgram(List.of(Insn.mov(0, 1), Insn.exit()))))
                .add(new Step.CpusetInherit("/sys/fs/cgroup/cpuset/vservers/g"))
                .add(new Step.IfUp("lo"))
                .add(new Step.VerifyInit("/run/vservers/g/state"))
                .add(new Step.SetNsInit("/run/vservers/g/state", EnumSet.of(Namespace.PID, Namespace.NET)))
                .add(new Step.AddrAdd("eth0", "203.0.113.25", 24, "eth0:mx"))
                .add(new Step.AddrAdd("lo", "2001:db8::7", 128, null))
                .add(new Step.MountLoopHost(new Step.MountLoop("/vservers/.private/g/disk.img", "/vservers/.private/g/layer", "ext4",
                        Set.of(), null)))
                .add(new Step.NetnsCreate(5))
                .add(new Step.Veth("vsbr0", "/run/vservers", "vs40001", "eth0", "02:56:00:9c:40:01", 6, -1,
                        new EbpfProgram(List.of(Insn.mov(0, 2), Insn.exit()))))
                .add(new Step.Nat("/usr/sbin/nft", "vs40001", "table ip vs40001 {\n}\n"))
                .add(new Step.NetnsConfig(6, "eth0", "vsbr0", List.of("10.0.0.2/24", "2001:db8::2/64"), List.of()))
                .add(new Step.NetnsConfig(6, "eth0", "vsbr0", List.of(), List.of("10.0.0.1")))
                .add(new Step.Monitor("/run/vservers/g", "/var/log/vservers/g/console.log", "/run/vservers/g.lock", 1 << 20,
                        "/usr/sbin/vserver", "g"))
                .add(new Step.Console("/dev/pts/ptmx", "/dev/console", 1048576, 1048576))
                .add(new Step.RebootNotify())
                .add(new Step.BootId("/dev/.boot_id", "/proc/sys/kernel/random/boot_id"))
                .add(new Step.TimeNs())
                .add(new Step.Lxcfs("/usr/bin/lxcfs", "/var/lib/lxcfs", "/run/vservers/.lxcfs.lock",
                        List.of("-l", "--enable-cfs", "-p", "/run/vservers/.lxcfs.pid"), List.of("virt_load -l|--enable-loadavg")))
                .add(new Step.LxcfsBind("virt_mem", "/var/lib/lxcfs/proc/meminfo", "/proc/meminfo"))
                .add(new Step.Steer("/run/vservers/.steer", "/run/vservers/.steer.lock", new EbpfProgram(List.of(Insn.mov(0, 1), Insn.exit())),
                        "9feb01", 40001, List.of("00000000000000000000ffff7f000201 1")))
                .build();
        var covered = EnumSet.noneOf(Op.class);
        for (Step s : plan.steps()) covered.add(s.op());
        assertEquals(EnumSet.allOf(Op.class), covered, "a new op needs a case here");
        assertAgree(plan);
    }

    @Test
    void emptyPlan() throws Exception {
        assertAgree(Plan.builder().build());
    }

    @Test
    void awkwardStrings() throws Exception {
        assertAgree(Plan.builder()
                .add(new Step.SetHostname(""))
                .add(new Step.SetHostname("a"))
                .add(new Step.SetHostname("ab"))
                .add(new Step.SetHostname("abc"))
                .add(new Step.SetHostname("abcd"))
                .add(new Step.WriteFile("/tmp/q\"uo\\te", "line1\nline2\ttab\r\u001b[0m\u007f"))
                .add(new Step.WriteFile("/tmp/utf8-\u00e4\u00f6\u00fc", "\u20ac \u65e5\u672c \uD83D\uDE00"))
                .add(new Step.Symlink(" leading and trailing ", "/x y/z"))
                .add(new Step.Mount(null, "/mnt", null, Set.of(), null))
                .add(new Step.Mount("", "", "", Set.of(), ""))
                .add(new Step.Exec("sh", List.of("", "\"", "\\", "a b", "x".repeat(300)), List.of()))
                .add(new Step.Exec("/bin/true", List.of(), List.of("")))
                .build());
    }

    @Test
    void everyMountFlagAlone() throws Exception {
        var b = Plan.builder();
        for (MountFlag f : MountFlag.values()) b.add(new Step.Mount("s", "/t", "x", EnumSet.of(f), null));
        b.add(new Step.Mount("s", "/t", "x", EnumSet.allOf(MountFlag.class), "all"));
        assertAgree(b.build());
    }

    @Test
    void everyNamespaceAndCapabilityAlone() throws Exception {
        var b = Plan.builder();
        for (Namespace n : Namespace.values()) b.add(new Step.Unshare(EnumSet.of(n)));
        for (Namespace n : Namespace.values()) b.add(new Step.SetNs("/proc/1/ns/" + n.procName(), n));
        b.add(new Step.Unshare(Set.of()));
        for (Capability c : Capability.values()) {
            Set<Capability> one = EnumSet.of(c);
            b.add(new Step.SetCaps(one, one, Set.of(), Set.of(), one));
        }
        assertAgree(b.build());
    }

    /**
     * Records the {@link Step} types cannot produce (unknown flag bits, a bad clone mode), encoded
     * here field by field and rendered with {@link PlanText#field}, which the steps use too.
     */
    static final class RawPlan {
        final java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream();
        final StringBuilder text = new StringBuilder();
        int count;

        RawPlan add(Op op, Object... fields) {
            var payload = new java.io.ByteArrayOutputStream();
            var line = new StringBuilder(String.format(Locale.ROOT, "%3d %s", count++, op.name()));
            String sig = op.signature();
            assertEquals(sig.length(), fields.length, op + " fields");
            for (int i = 0; i < fields.length; i++) {
                FieldType t = FieldType.of(sig.charAt(i));
                Object v = fields[i];
                switch (t) {
                    case INT, MODE -> payload.writeBytes(le(4).putInt((Integer) v).array());
                    case U64, MOUNT_FLAGS, NS_FLAGS, CAPS -> payload.writeBytes(le(8).putLong((Long) v).array());
                    case STRING -> {
                        if (v == null) {
                            payload.writeBytes(le(4).putInt(-1).array());
                        } else {
                            byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
                            payload.writeBytes(le(4).putInt(s.length).array());
                            payload.writeBytes(s);
                            payload.writeBytes(new byte[4 - s.length % 4]);
                        }
                    }
                    default -> throw new IllegalArgumentException("not needed here: " + t);
                }
                line.append(' ').append(PlanText.field(t, v));
            }
            records.writeBytes(le(8).putInt(8 + payload.size()).putShort((short) op.code()).putShort((short) 0).array());
            records.writeBytes(payload.toByteArray());
            text.append(line).append('\n');
            return this;
        }

        byte[] bytes() {
            var out = new java.io.ByteArrayOutputStream();
            out.writeBytes(le(16).putInt(PlanWriter.MAGIC).putShort((short) PlanWriter.VERSION).putShort((short) 0)
                    .putInt(16 + records.size()).putInt(count).array());
            out.writeBytes(records.toByteArray());
            return out.toByteArray();
        }

        String text() { return "plan v" + PlanWriter.VERSION + ": " + count + " steps\n" + text; }

        static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.nativeOrder()); }
    }

    @Test
    void unknownBitsAndExtremes() throws Exception {
        long unknownMount = (1L << 22) | (1L << 23) | (1L << 30) | (1L << 31) | (1L << 63);
        long unknownNs = 0x11L | 0x100L | (1L << 31) | (1L << 40);
        long unknownCaps = (1L << 41) | (1L << 62) | (1L << 63);
        var raw = new RawPlan()
                .add(Op.MOUNT, "a", "/b", null, unknownMount, null)
                .add(Op.MOUNT, "a", "/b", null, unknownMount | 1L | (1L << 25), null)
                .add(Op.MOUNT, "a", "/b", null, -1L, null)
                .add(Op.MOUNT, null, "/b", null, 0L, null)
                .add(Op.UNSHARE, unknownNs)
                .add(Op.UNSHARE, unknownNs | Namespace.NET.flag())
                .add(Op.UNSHARE, -1L)
                .add(Op.CLONE, -1L, Integer.MIN_VALUE)
                .add(Op.CLONE, 0L, 7)
                .add(Op.SET_CAPS, unknownCaps, unknownCaps | 1L, -1L, 0L, 1L << 40)
                .add(Op.CLOSE_FROM, Integer.MAX_VALUE)
                .add(Op.CLOSE_FROM, -1)
                .add(Op.SET_RLIMIT, -1, Long.MIN_VALUE, -2L)
                .add(Op.SET_RLIMIT, 0, Long.MAX_VALUE, 0L)
                .add(Op.MKNOD, "/dev/x", 0, -1L)
                .add(Op.VERIFY_PROC, 0, 0L)
                .add(Op.AWAIT, -7)
                .add(Op.USERNS_CREATE, 5, "0 0 1", null, unknownNs | Namespace.USER.flag(), Integer.MIN_VALUE)
                .add(Op.SETNS_FD, -1, -1L)
                .add(Op.MOUNT_IDMAP, "/a", "/b", Integer.MIN_VALUE, unknownMount | MountFlag.BIND.bit())
                .add(Op.BIND_IDMAP_IN, "", "", 0, -1L)
                .add(Op.CHOWN_IN, "/x", Integer.MIN_VALUE, Integer.MAX_VALUE)
                .add(Op.CHOWN, "/x", -2, 0)
                .add(Op.MOUNT_LOOP, "/i", "/t", "", unknownMount | MountFlag.BIND.bit(), "")
                .add(Op.MOUNT_LOOP, "", "", "x", -1L, null);
        Result r = dryRun(raw.bytes());
        assertEquals(0, r.exit(), "--dry-run failed: " + r.err());
        assertEquals(raw.text(), r.out());
        assertAgree(Plan.builder()
                .add(new Step.SetIds(-1, Integer.MIN_VALUE, List.of(-1, 0, Integer.MAX_VALUE)))
                .add(new Step.SetRlimit(Rlimit.RTTIME, Long.MIN_VALUE, -2L))
                .add(new Step.VerifyProc(Integer.MIN_VALUE, Long.MAX_VALUE))
                .add(new Step.Mknod("/dev/x", -1, -1L))
                .add(new Step.CloseFrom(Integer.MIN_VALUE))
                .add(new Step.SetPriority(Integer.MAX_VALUE))
                .add(new Step.SetIoprio(Integer.MIN_VALUE, -1))
                .build());
    }

    @Test
    void asciiDigitsInEveryLocale() throws Exception {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("ar-EG"));
            everyOp();
            Locale.setDefault(Locale.forLanguageTag("th-TH-u-nu-thai"));
            manySteps();
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void manySteps() throws Exception {
        var b = Plan.builder();
        for (int i = 0; i < 1200; i++) b.add(new Step.Chdir("/d" + i));
        assertAgree(b.build());
    }

    // --- corrupted plans: the launcher refuses them (exit 2) and prints nothing on stdout ---

    static final Plan SMALL = Plan.builder()
            .add(new Step.CloseFrom(5))
            .add(new Step.SetHostname("guest"))
            .add(new Step.Exec("/bin/true", List.of("true"), List.of()))
            .build();

    void assertRejected(byte[] bin, String why) throws Exception {
        Result r = dryRun(bin);
        assertEquals(2, r.exit(), why + ": exit " + r.exit() + ", out: " + r.out());
        assertEquals("", r.out(), why);
        assertTrue(r.err().contains("invalid plan"), why + ": " + r.err());
    }

    static ByteBuffer buf(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()); }

    @Test
    void corruptedPlansAreRejected() throws Exception {
        byte[] good = PlanWriter.write(SMALL);
        assertEquals(0, dryRun(good).exit());
        // record offsets: header 16, CLOSE_FROM 12 bytes, SET_HOSTNAME 20 bytes, EXEC
        int rec0 = 16, rec1 = 28, rec2 = 48;
        assertEquals(12, buf(good).getInt(rec0));
        assertEquals(20, buf(good).getInt(rec1));

        byte[] b = good.clone();
        b[0] ^= 1;
        assertRejected(b, "bad magic");

        b = good.clone();
        buf(b).putShort(4, (short) 2);
        assertRejected(b, "bad version");

        b = good.clone();
        buf(b).putShort(6, (short) 1);
        assertRejected(b, "header flags");

        assertRejected(Arrays.copyOf(good, good.length - 4), "truncated");
        assertRejected(Arrays.copyOf(good, 10), "truncated header");
        assertRejected(new byte[0], "empty file");

        b = Arrays.copyOf(good, good.length + 4);
        assertRejected(b, "trailing bytes");

        b = good.clone();
        buf(b).putInt(8, good.length + 4);
        assertRejected(b, "total_len larger than the file");

        b = good.clone();
        buf(b).putInt(12, 4);
        assertRejected(b, "count too large");

        b = good.clone();
        buf(b).putInt(12, 2);
        assertRejected(b, "count too small");

        b = good.clone();
        buf(b).putShort(rec1 + 4, (short) 99);
        assertRejected(b, "unknown op");

        b = good.clone();
        buf(b).putShort(rec1 + 4, (short) 0);
        assertRejected(b, "op 0");

        b = good.clone();
        buf(b).putShort(rec1 + 6, (short) 1);
        assertRejected(b, "reserved");

        b = good.clone();
        buf(b).putInt(rec0, 16);
        assertRejected(b, "record length too large for its signature");

        b = good.clone();
        buf(b).putInt(rec1, 18);
        assertRejected(b, "record length not a multiple of 4");

        b = good.clone();
        buf(b).putInt(rec1, 4);
        assertRejected(b, "record length below the record header");

        b = good.clone();
        buf(b).putInt(rec1 + 8, 9);
        assertRejected(b, "string length past the record");

        b = good.clone();
        buf(b).putInt(rec1 + 8, 3);
        assertRejected(b, "string not NUL-terminated at its length");

        b = good.clone();
        b[rec1 + 12 + 2] = 0;
        assertRejected(b, "NUL inside a string");

        b = good.clone();
        b[rec1 + 12 + 7] = 'x';
        assertRejected(b, "non-zero padding");

        b = good.clone();
        buf(b).putInt(rec2 + 8 + 4 + 12 + 0, 2); // EXEC argv count 2, block holds 1
        assertRejected(b, "string vector count");

        b = good.clone();
        buf(b).putInt(rec0, 8);
        assertRejected(b, "CLOSE_FROM without its field");
    }

    @Test
    void usageErrors() throws Exception {
        for (List<String> args : List.of(List.of("--bogus"), List.of("--dry-run"),
                List.of("--replay", "x"), List.of("--replay", "x", "cmd"), List.of("--replay", "x", "--"))) {
            var cmd = new java.util.ArrayList<String>();
            cmd.add(launcher().toString());
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), args + ": " + out);
            assertTrue(out.contains("usage"), args + ": " + out);
        }
        Process p = new ProcessBuilder(launcher().toString(), "--version").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertTrue(out.matches("vserver-launcher protocol " + PlanWriter.VERSION + " build [0-9a-f]{16}\n"), out);
    }
}
