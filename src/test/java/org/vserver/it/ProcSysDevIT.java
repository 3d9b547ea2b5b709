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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.config.ProcMasks;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * The guest's /proc, /sys and /dev (security.md §2, §4.8-§4.10): masked and read-only /proc
 * entries, a read-only sysfs, a minimal /dev of its own and a private devpts instance.
 */
@RequiresRoot("starts real guests")
class ProcSysDevIT {
    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("psd");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static boolean onHost(String p) { return Files.exists(Path.of(p), LinkOption.NOFOLLOW_LINKS); }

    static Map<String, HostProbe.Mount> mountsInside() throws Exception {
        Map<String, HostProbe.Mount> m = new LinkedHashMap<>();
        for (var mt : HostProbe.mountinfo(host.sh(g, "cat /proc/self/mountinfo"))) m.put(mt.point(), mt);   // the last on a point wins
        return m;
    }

    @Test
    void maskedProcAndSysEntriesReadEmpty() throws Exception {
        List<String> files = ProcMasks.MASKED_FILES.stream().filter(ProcSysDevIT::onHost).toList();
        List<String> dirs = ProcMasks.MASKED_DIRS.stream().filter(ProcSysDevIT::onHost).toList();
        assertFalse(files.isEmpty(), "some masked file exists on this kernel");
        StringBuilder script = new StringBuilder();
        for (String f : files) script.append("echo \"").append(f).append(" $(wc -c < ").append(f).append(")\"; ");
        for (String d : dirs) script.append("echo \"").append(d).append(" $(ls -A ").append(d).append(" | wc -l)\"; ");
        String out = host.sh(g, script.toString());
        for (String f : files) assertTrue(out.contains(f + " 0\n"), f + " reads empty inside:\n" + out);
        for (String d : dirs) assertTrue(out.contains(d + " 0\n"), d + " is empty inside:\n" + out);
        var mounts = mountsInside();
        for (String f : files) {
            assertTrue(mounts.containsKey(f), f + " is covered by a mount inside");
            assertEquals("/null", mounts.get(f).root(), f + " is covered by the guest's /dev/null");
        }
        for (String d : dirs) {
            assertEquals("tmpfs", mounts.get(d).fsType(), d + " is covered by an empty tmpfs");
            assertTrue(mounts.get(d).optionList().contains("ro"), d + " is read-only");
        }
        // The host still reads something from some of them (so "empty inside" is the mask, not the kernel).
        boolean someNonEmpty = false;
        for (String f : files) {
            try (var in = Files.newInputStream(Path.of(f))) {
                someNonEmpty |= in.read() >= 0;
            }
        }
        assertTrue(someNonEmpty, "one of " + files + " has content on the host");
    }

    @RequiresKernel(Feature.PROC_KEYS)
    @Test
    void aMaskCannotBeUnmounted() throws Exception {
        String out = host.sh(g, "umount /proc/keys 2>&1; echo umount=$?; umount -l /proc/keys 2>&1; echo lazy=$?; wc -c < /proc/keys");
        assertTrue(out.contains("umount=32") && out.contains("lazy=32"), "umount fails:\n" + out);
        assertTrue(out.contains("must be superuser to unmount"), "umount(2) refuses guest root (EPERM):\n" + out);
        assertEquals("0", HostProbe.lines(out).getLast(), "still masked:\n" + out);
    }

    @Test
    void procSysAndSysrqAreReadOnly() throws Exception {
        String corePattern = Files.readString(Path.of("/proc/sys/kernel/core_pattern"));
        String out = host.sh(g, "exec 2>&1; echo '|/tmp/evil' > /proc/sys/kernel/core_pattern 2>&1; echo core=$?; "
                + "echo 3 > /proc/sys/vm/drop_caches 2>&1; echo drop=$?; "
                + "echo 1 > /proc/sys/kernel/hostname 2>&1; echo hostname=$?; "
                + "if test -e /proc/sysrq-trigger; then echo h > /proc/sysrq-trigger 2>&1; echo sysrq=$?; else echo sysrq=absent; fi");
        assertTrue(out.contains("/proc/sys/kernel/core_pattern: Read-only file system") && out.contains("core=2"), out);
        assertTrue(out.contains("/proc/sys/vm/drop_caches: Read-only file system") && out.contains("drop=2"), out);
        assertTrue(out.contains("hostname=2"), out);
        assertEquals(corePattern, Files.readString(Path.of("/proc/sys/kernel/core_pattern")), "the host's core_pattern is unchanged");
        if (onHost("/proc/sysrq-trigger")) {
            assertTrue(out.contains("/proc/sysrq-trigger: Read-only file system") && out.contains("sysrq=2"), out);
        } else {
            // This kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ off): nothing to protect, and it must not appear inside.
            assertTrue(out.contains("sysrq=absent"), out);
        }
        var mounts = mountsInside();
        for (String r : ProcMasks.READ_ONLY) {
            if (!onHost(r)) continue;
            HostProbe.Mount m = mounts.get(r);
            assertTrue(m != null && m.optionList().contains("ro"), r + " is a read-only mount inside: " + m);
            assertTrue(m.optionList().containsAll(List.of("nosuid", "nodev", "noexec")), m.toString());
        }
    }

    @Test
    void sysIsReadOnly() throws Exception {
        String out = host.sh(g, "exec 2>&1; touch /sys/x; echo touch=$?; "
                + "if test -e /sys/kernel/uevent_helper; then echo /x > /sys/kernel/uevent_helper 2>&1; echo uevent=$?; else echo uevent=absent; fi; "
                + "grep ' /sys ' /proc/mounts");
        assertTrue(out.contains("Read-only file system") && out.contains("touch=1"), out);
        if (onHost("/sys/kernel/uevent_helper")) assertTrue(out.contains("uevent=2"), out);
        String mountLine = HostProbe.lines(out).getLast();
        assertTrue(mountLine.startsWith("sysfs /sys sysfs ro,"), mountLine);
        HostProbe.Mount sys = mountsInside().get("/sys");
        assertEquals("sysfs", sys.fsType());
        assertTrue(sys.optionList().containsAll(List.of("ro", "nosuid", "nodev", "noexec")), sys.toString());
    }

    @Test
    void devHoldsExactlyTheMinimalSet() throws Exception {
        String out = host.sh(g, "ls -A1 /dev; echo ===; cd /dev; for f in *; do stat -c '%n|%F|%t:%T|%a' $f; done; "
                + "readlink ptmx fd stdin stdout stderr; stat -c '%n|%F|%t:%T|%a' pts/ptmx");
        String[] parts = out.split("===\n");
        assertEquals(new TreeSet<>(Set.of("console", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
                "stdout", "tty", "urandom", "zero")), new TreeSet<>(HostProbe.lines(parts[0])), "the entries of /dev");
        Map<String, String> st = new LinkedHashMap<>();
        List<String> links = new ArrayList<>();
        for (String l : HostProbe.lines(parts[1])) {
            if (l.contains("|")) st.put(l.substring(0, l.indexOf('|')), l.substring(l.indexOf('|') + 1));
            else links.add(l);
        }
        assertEquals("character special file|1:3|666", st.get("null"));
        assertEquals("character special file|1:5|666", st.get("zero"));
        assertEquals("character special file|1:7|666", st.get("full"));
        assertEquals("character special file|1:8|666", st.get("random"));
        assertEquals("character special file|1:9|666", st.get("urandom"));
        assertEquals("character special file|5:0|666", st.get("tty"));
        assertEquals("character special file|5:2|666", st.get("pts/ptmx"), "ptmxmode=0666");
        // The console: a pty of the guest's own devpts (major 136), root's alone, the init's stdout and stderr.
        assertTrue(st.get("console").matches("character special file\\|88:[0-9a-f]+\\|600"), st.get("console"));
        assertEquals(List.of("pts/ptmx", "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"), links);
        for (String d : List.of("pts", "shm", "mqueue")) assertTrue(st.get(d).startsWith("directory"), d + ": " + st.get(d));
        for (String s : List.of("ptmx", "fd", "stdin", "stdout", "stderr")) assertTrue(st.get(s).startsWith("symbolic link"), s);
    }

    @Test
    void devNullIsWritableByAnUnprivilegedUser() throws Exception {
        var r = host.cli("vserver", g, "suexec", "nobody", "/bin/sh", "-c", "id -u; echo x > /dev/null && echo null-ok; "
                + "head -c 4 /dev/zero | wc -c; grep CapEff /proc/self/status");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("65534\nnull-ok\n4\n"), r.toString());
        assertTrue(r.out().contains("CapEff:\t0000000000000000"), "nobody has no capabilities:\n" + r);
    }

    @Test
    void devptsIsAPrivateInstance() throws Exception {
        // Hold a pty open on the host so that the host's devpts instance has an entry the guest must not see.
        Process pty = new ProcessBuilder("python3", "-c",
                "import os, pty, sys, time\nm, s = pty.openpty()\nprint(os.ttyname(s), flush=True)\ntime.sleep(60)\n").start();
        try {
            String hostPty = new BufferedReader(new InputStreamReader(pty.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertTrue(hostPty != null && hostPty.startsWith("/dev/pts/") && Files.exists(Path.of(hostPty)), "a host pty: " + hostPty);
            String out = host.sh(g, "ls -A1 /dev/pts; echo ===; "
                    + "python3 -c 'import os, pty; m, s = pty.openpty(); print(os.ttyname(s)); print(sorted(os.listdir(\"/dev/pts\")))'; "
                    + "readlink /dev/ptmx");
            String[] parts = out.split("===\n");
            // pty 0 of the guest's own instance is its console (bound at /dev/console)
            assertEquals(List.of("0", "ptmx"), HostProbe.lines(parts[0]), "the guest's /dev/pts has no host pty (" + hostPty + " is open)");
            List<String> after = HostProbe.lines(parts[1]);
            assertEquals("/dev/pts/1", after.get(0), "the guest's next pty is number 1 of its own instance");
            assertEquals("['0', '1', 'ptmx']", after.get(1));
            assertEquals("pts/ptmx", after.get(2));
            HostProbe.Mount pts = mountsInside().get("/dev/pts");
            assertEquals("devpts", pts.fsType());
            assertTrue(pts.superOptionList().contains("ptmxmode=666"), pts.toString());
            assertTrue(pts.optionList().containsAll(List.of("nosuid", "noexec")), pts.toString());
            for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                HostProbe.Mount hm = HostProbe.Mount.parse(l);
                if (hm.fsType().equals("devpts")) assertFalse(hm.dev().equals(pts.dev()), "the guest's devpts is not a host instance: " + l);
            }
        } finally {
            pty.destroy();
            pty.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
