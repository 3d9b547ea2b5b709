package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * The seccomp filter in real guests: loaded in the init and every exec'd process (also across a
 * setuid exec), the blocked classes fail as the profile says on x86_64 and on i386 (int 0x80), and
 * seccomp/deny and seccomp/disabled change one guest only. The guest with seccomp/disabled shows
 * each defence switched off: there the same probes succeed.
 */
@RequiresRoot("starts real guests")
class SeccompIT {
    static TestHost host;
    static String g, denied, off;
    static Path probe;

    /** perl's syscall(): the result, or the errno number on failure. */
    static String sys(String label, String call) {
        return "perl -e '$r = syscall(" + call + "); print \"" + label + "=\", ($r < 0 ? $!+0 : \"ok\"), \"\\n\"'";
    }

    static final String PROBES = String.join("; ",
            sys("keyctl", "250, 0, 0, 0, 0, 0"),
            sys("perf", "298, 0, 0, -1, -1, 0"),
            sys("clone3", "435, 0, 0"),
            sys("personality", "135, 0x0040000"),
            "unshare -U true 2>/dev/null; echo unshareU=$?",
            "unshare -n true 2>&1 | tail -1");

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        probe = host.root.resolve("seccomp_probe");
        Path src = TestHost.BASEDIR.resolve("src/test/c/seccomp_probe.c");
        HostProbe.ok("gcc", "-static", "-no-pie", "-O2", "-o", probe.toString(), src.toString());
        g = host.build("scdef");
        denied = host.build("scdeny");
        off = host.build("scoff");
        host.config(denied, "seccomp/deny", "uname\n");
        host.config(off, "seccomp/disabled", "");
        // and in the host's user namespace: a guest's own may hold no user namespace at all (its
        // user.max_user_namespaces is 0), which would hide what the filter alone does
        host.config(off, "userns/disabled", "");
        for (String n : new String[] {g, denied, off}) {
            // the guest's own tree (host-method guests share /usr): a setuid-root copy nobody may run
            Path dir = host.guestsDir.resolve(n).resolve("probe");
            Files.createDirectories(dir);
            Files.copy(probe, dir.resolve("seccomp_probe"));
            Files.setPosixFilePermissions(dir.resolve("seccomp_probe"), PosixFilePermissions.fromString("rwxr-xr-x"));
            HostProbe.ok("cp", probe.toString(), dir.resolve("suid_probe").toString());
            HostProbe.ok("chmod", "4755", dir.resolve("suid_probe").toString());
            host.start(n);
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host == null) return;
        for (String n : new String[] {g, denied}) if (n != null) host.stop(n);
        host.closeAfterStopping(off);
    }

    @Test
    void initExecAndSetuidExecRunUnderTheFilter() throws Exception {
        assertEquals("2", HostProbe.status(host.initPid(g), "Seccomp"), "the init, seen from the host");
        assertEquals("2", HostProbe.status(host.initPid(g), "Seccomp_filters"), "the guest's filter and the monitor's reboot filter");
        String out = host.sh(g, "/probe/seccomp_probe status");
        assertTrue(out.contains("Seccomp:\t2") && out.contains("Seccomp_filters:\t1"), "exec:\n" + out);
        assertTrue(out.contains("NoNewPrivs:\t0"), "no no_new_privs: setuid binaries work:\n" + out);
        String suid = host.sh(g, "setpriv --reuid=65534 --regid=65534 --clear-groups /probe/suid_probe status");
        assertTrue(suid.contains("euid=0 uid=65534"), "the setuid exec happened:\n" + suid);
        assertTrue(suid.contains("Seccomp:\t2") && suid.contains("Seccomp_filters:\t1"), "after a setuid exec:\n" + suid);
    }

    @Test
    void blockedCallsFailAsTheProfileSays() throws Exception {
        String out = host.sh(g, PROBES);
        assertTrue(out.contains("keyctl=1\n"), "keyctl: EPERM\n" + out);
        assertTrue(out.contains("perf=1\n"), "perf_event_open: EPERM\n" + out);
        assertTrue(out.contains("clone3=38\n"), "clone3: ENOSYS\n" + out);
        assertTrue(out.contains("personality=1\n"), "personality(ADDR_NO_RANDOMIZE): EPERM\n" + out);
        assertTrue(out.contains("unshareU=1\n"), "unshare -U: EPERM\n" + out);
        assertTrue(out.contains("Operation not permitted"), "unshare -n\n" + out);
        // the same probes where the defence is switched off: they get past it
        String open = host.sh(off, PROBES);
        assertTrue(open.contains("keyctl=22\n") || open.contains("keyctl=ok\n"), "no filter: keyctl reaches the kernel\n" + open);
        assertTrue(!open.contains("clone3=38\n"), "no filter: clone3 reaches the kernel\n" + open);
        assertTrue(open.contains("unshareU=0\n"), "no filter: a user namespace can be made\n" + open);
    }

    /** A kernel without IA-32 emulation raises SIGSEGV on int 0x80 everywhere: no i386 entry to guard. */
    @RequiresKernel(Feature.IA32_EMULATION)
    @Test
    void i386CallsThroughInt80AreFiltered() throws Exception {
        String out = host.sh(g, "/probe/seccomp_probe i386");
        assertTrue(out.contains("getpid=1\n"), "i386 getpid is allowed\n" + out);
        assertTrue(out.contains("unshare=-1\n"), "i386 unshare(CLONE_NEWNS): EPERM\n" + out);
        assertTrue(out.contains("keyctl=-1\n"), "i386 keyctl: EPERM\n" + out);
        assertTrue(out.contains("uname=0\n"), out);
        String d = host.sh(denied, "/probe/seccomp_probe i386");
        assertTrue(d.contains("uname=-1\n"), "seccomp/deny applies to i386 too\n" + d);
    }

    @Test
    void denyAndDisabledChangeOneGuestOnly() throws Exception {
        var r = host.cli("vserver", denied, "exec", "uname", "-n");
        assertTrue(r.code() != 0 && r.err().contains("Operation not permitted"), "uname fails in " + denied + ":\n" + r);
        assertEquals(denied + "\n", host.sh(g, "uname -n").replace(g, denied), "uname works in the default guest");
        // seccomp/disabled: no filter in the init but the monitor's, which takes reboot(2) alone
        assertEquals("1", HostProbe.status(host.initPid(off), "Seccomp_filters"), "seccomp/disabled: only the reboot filter in the init");
        assertEquals("2", HostProbe.status(host.initPid(denied), "Seccomp_filters"), "the guest's filter and the reboot filter");
        assertTrue(host.sh(off, "/probe/seccomp_probe status").contains("Seccomp:\t0"));
        assertEquals("2", HostProbe.status(host.initPid(denied), "Seccomp"));
    }
}
