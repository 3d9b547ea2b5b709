package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * CVE-2019-5736 and CVE-2016-9962: while the launcher joins a guest, guest root must not be able to
 * overwrite its binary through /proc/PID/exe or an fd, nor ptrace it. A probe inside the guest
 * (src/test/c/hijack_probe.c, built at test time into the guest's tree) attacks every process it
 * sees while the host runs {@code vserver G exec true} in a loop. The guest's init is itself a
 * launcher (the reaper), so the probe has a launcher in sight the whole time.
 */
@RequiresRoot("starts real guests")
class LauncherHijackIT {
    static final int ROUNDS = 150;

    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("hij");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    @Test
    void guestRootCannotWriteOrTraceTheLauncherWhileItJoins() throws Exception {
        Path launcher = TestHost.LAUNCHER.toAbsolutePath();
        String before = sha256(launcher);
        Path vroot = host.guestsDir.resolve(g).resolve("root");
        Path probe = vroot.resolve("hijack-probe"), stop = vroot.resolve("hijack-stop");
        HostProbe.ok("gcc", "-O2", "-Wall", "-Werror", "-o", probe.toString(),
                TestHost.BASEDIR.resolve("src/test/c/hijack_probe.c").toString());

        // The launcher runs from a sealed memfd copy, never from the host's file: seen from the host.
        String initExe = Files.readSymbolicLink(Path.of("/proc/" + host.initPid(g) + "/exe")).toString();
        assertTrue(initExe.startsWith("/memfd:vserver-launcher"), "the guest's init runs the sealed copy: " + initExe);

        var pb = new ProcessBuilder(TestHost.BASEDIR.resolve("bin/vserver").toString(), g, "exec", "/root/hijack-probe", "/root/hijack-stop");
        pb.environment().put("VSERVER_CONFDIR", host.confdir.toString());
        pb.environment().put("VSERVER_RUNDIR", host.rundir.toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
        Process attacker = pb.start();
        String report;
        try {
            Thread.sleep(300);                                                    // the probe is scanning
            for (int i = 0; i < ROUNDS; i++) {
                var r = host.cli("vserver", g, "exec", "true");
                assertEquals(0, r.code(), "round " + i + ": " + r);
            }
        } finally {
            Files.writeString(stop, "");
            assertTrue(attacker.waitFor(60, TimeUnit.SECONDS), "the probe stops");
            report = new String(attacker.getInputStream().readAllBytes());
            Files.deleteIfExists(probe);
            Files.deleteIfExists(stop);
        }
        assertEquals(0, attacker.exitValue(), report);
        Map<String, Long> n = new LinkedHashMap<>();
        for (String l : HostProbe.lines(report)) {
            assertTrue(!l.startsWith("HIJACK"), "the probe got through:\n" + report);
            String[] kv = l.split(" ");
            if (kv.length == 2 && kv[1].matches("\\d+")) n.put(kv[0], Long.parseLong(kv[1]));
        }
        assertTrue(n.getOrDefault("scans", 0L) >= 10, "the probe scanned /proc while the loop ran:\n" + report);
        assertTrue(n.get("attach_tries") > n.get("scans"), "the probe saw the joining processes besides the init:\n" + report);
        for (String zero : List.of("exe_opened", "fd_opened", "attached_launcher")) assertEquals(0L, n.get(zero), zero + "\n" + report);
        // The init (a launcher) was attacked in every scan and denied: non-dumpable, no CAP_SYS_PTRACE.
        assertTrue(n.get("exe_denied") >= n.get("scans") && n.get("attach_denied") >= n.get("scans"), report);
        assertEquals(before, sha256(launcher), "the host's launcher binary is unchanged");
    }
}
