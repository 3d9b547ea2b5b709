package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.net.SockAddrPrograms;
import org.vserver.kernel.Capability;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * {@code chbind} through bin/: a host command in the cgroup of its address policy, with its exit
 * code passed through, and nothing left afterwards (no cgroup, none of its programs). The
 * addresses are random ones of 127.0.0.0/8, which every network namespace's lo holds.
 */
@RequiresRoot("starts real guests")
@RequiresKernel({Feature.LANDLOCK_SCOPES, Feature.CGROUP2})
class ChbindIT {
    static TestHost host;
    final int a = ThreadLocalRandom.current().nextInt(100, 200), b = ThreadLocalRandom.current().nextInt(0, 250);
    final String own = "127." + a + "." + b + ".10", foreign = "127." + a + "." + b + ".11";
    final Syscalls sys = new LinuxSyscalls();

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    static final String PROBE = """
            import socket, sys
            s = socket.socket(); s.bind(("0.0.0.0", 0)); print("any=" + s.getsockname()[0])
            try:
                socket.socket().bind((sys.argv[1], 0)); print("foreign=bound")
            except OSError as e:
                print("foreign=errno%d" % e.errno)
            print("cgroup=" + [l for l in open("/proc/self/cgroup").read().splitlines() if l.startswith("0::")][0][3:], flush=True)
            sys.stdin.readline()
            sys.exit(7)
            """;

    @Test
    void theCommandIsHeldToItsAddressesAndNothingIsLeft() throws Exception {
        Path unifiedParent = host.vs.cgroups().bpfDir("x").orElseThrow().getParent();
        Path stale = unifiedParent.resolve("chbind-000000000000");          // as a SIGKILLed chbind leaves it
        Files.createDirectories(stale);

        Process p = start("chbind", "--silent", "--ip", own + "/8", "--", "python3", "-c", PROBE, foreign);
        var lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String any = lines.readLine(), refused = lines.readLine(), cgroup = lines.readLine();
        assertEquals("any=" + own, any, "bind 0.0.0.0 gets the --ip address");
        assertEquals("foreign=errno99", refused, "another address: EADDRNOTAVAIL");
        assertTrue(cgroup != null && cgroup.matches("cgroup=/vservers-it-" + host.id + "/chbind-[0-9a-f]{12}"), cgroup);
        Path dir = unifiedParent.resolve(cgroup.substring(cgroup.lastIndexOf('/') + 1));
        assertFalse(Files.exists(stale), "the empty cgroup of an earlier run is swept");

        List<Integer> ids = new ArrayList<>();
        int fd = sys.open(dir.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        try {
            for (int type : List.of(Bpf.CGROUP_INET_SOCK_CREATE, Bpf.CGROUP_INET4_BIND, Bpf.CGROUP_INET6_BIND, Bpf.CGROUP_INET4_CONNECT,
                    Bpf.CGROUP_INET6_CONNECT, Bpf.CGROUP_UDP4_SENDMSG, Bpf.CGROUP_UDP6_SENDMSG))
                for (int id : sys.bpfProgQuery(fd, type)) ids.add(id);
        } finally {
            sys.close(fd);
        }
        Map<Integer, String> loaded = sys.bpfPrograms();
        assertEquals(7, ids.size(), "one program per hook: " + ids);
        for (int id : ids) assertTrue(loaded.getOrDefault(id, "").startsWith(SockAddrPrograms.NAME_PREFIX), loaded.get(id));

        p.getOutputStream().write('\n');
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "chbind hangs");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(7, p.exitValue(), "the command's exit code: " + err);
        assertEquals("", err, "--silent");
        assertFalse(Files.exists(dir), "the chbind cgroup is removed when its command ends");
        assertEquals(List.of(), host.cgroupDirs(), "cgroups left");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);     // freed from a kernel work queue
        while (ids.stream().anyMatch(sys.bpfPrograms()::containsKey) && System.nanoTime() < deadline) Thread.sleep(50);
        Map<Integer, String> left = sys.bpfPrograms();
        assertTrue(ids.stream().noneMatch(left::containsKey), "programs left: " + ids);
    }

    @Test
    void secureDropsNetAdminAndNetRaw() throws Exception {
        String script = "grep CapBnd /proc/self/status";
        var plain = host.cli("chbind", "--silent", "--ip", own, "--", "sh", "-c", script);
        var secure = host.cli("chbind", "--ip", own, "--secure", "--", "sh", "-c", script);
        assertEquals(0, plain.code(), plain.toString());
        assertEquals(0, secure.code(), secure.toString());
        var before = Capability.of(Long.parseUnsignedLong(plain.out().strip().substring(7).strip(), 16));
        var after = Capability.of(Long.parseUnsignedLong(secure.out().strip().substring(7).strip(), 16));
        assertTrue(before.contains(Capability.NET_ADMIN) && before.contains(Capability.NET_RAW), before.toString());
        var expected = java.util.EnumSet.copyOf(before);
        expected.removeAll(List.of(Capability.NET_ADMIN, Capability.NET_RAW));
        assertEquals(expected, after);
        assertTrue(secure.err().startsWith("New network context is chbind-"), secure.toString());
        assertEquals(List.of(), host.cgroupDirs(), "cgroups left");
    }

    @Test
    void aBadAddressIsAUsageError() throws Exception {
        for (String bad : List.of("127.1", "example.org", "10.0.0.1/33", "fd00::1/129", "300.1.1.1")) {
            var r = host.cli("chbind", "--ip", bad, "--", "true");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().startsWith("chbind: --ip " + bad), r.toString());
        }
        var lback = host.cli("chbind", "--ip", own, "--lback", "10.0.0.1", "--", "true");
        assertEquals(2, lback.code(), lback.toString());
        var missing = host.cli("chbind", "--ip", own, "--", "/nonexistent/command");
        assertEquals(125, missing.code(), "the command did not start: " + missing);
        assertTrue(missing.err().contains("/nonexistent/command"), missing.toString());
        assertEquals(List.of(), host.cgroupDirs(), "cgroups left");
    }

    /** bin/TOOL with this host's environment, its stdio piped. */
    Process start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestHost.BASEDIR.resolve("bin").resolve(args[0]).toString()));
        cmd.addAll(List.of(args).subList(1, args.length));
        var pb = new ProcessBuilder(cmd);
        pb.environment().put("VSERVER_CONFDIR", host.confdir.toString());
        pb.environment().put("VSERVER_RUNDIR", host.rundir.toString());
        pb.environment().put("VSERVER_LAUNCHER", TestHost.LAUNCHER.toAbsolutePath().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb.start();
    }
}
