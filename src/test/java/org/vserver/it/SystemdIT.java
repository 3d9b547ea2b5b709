package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.state.RunState;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * A Debian bookworm guest whose init is systemd (systemd-sysv), built by debootstrap once per
 * checkout ({@link DebianTree#systemdTarball}): it boots as systemd's Container Interface asks
 * (its {@code $container}, a tmpfs /run, a writable cgroup2 subtree of its own), reaches
 * multi-user.target with its services running (sshd and nginx among them), reboots and powers off
 * from inside, and stops cleanly on SIGRTMIN+3.
 */
@RequiresRoot("boots real systemd guests")
@RequiresKernel(Feature.CGROUP2)
class SystemdIT {
    static TestHost host;
    static Path tarball;
    static String g;

    /** Units that cannot work in a guest, each with why; any other failed unit fails the test. */
    static final List<String> EXPECTED_FAILURES = List.of();

    @BeforeAll
    static void setUp() throws Exception {
        tarball = DebianTree.systemdTarball();
        host = new TestHost();
        g = "sd";
        var r = host.cli("vserver", g, "build", "-m", "template", "--", "-t", tarball.toString());
        assertEquals(0, r.code(), r.toString());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host != null) host.close();
    }

    /** `systemctl is-system-running --wait`: running, or degraded. */
    static String booted(String guest) throws Exception {
        var r = host.cli("vserver", guest, "exec", "timeout", "60", "systemctl", "is-system-running", "--wait");
        return r.out().strip();
    }

    @Test
    void itBootsToMultiUserWithItsServicesAndStopsCleanly() throws Exception {
        assertEquals("systemd\n", Files.readString(host.confdir.resolve(g).resolve("apps/init/style")),
                "build chose the systemd style for a tree whose /sbin/init is systemd");
        host.start(g);
        String state = booted(g);
        assertTrue(state.equals("running") || state.equals("degraded"), "is-system-running: " + state);
        String failed = host.sh(g, "systemctl --failed --plain --no-legend | awk '{print $1}'");
        for (String unit : failed.lines().toList())
            assertTrue(EXPECTED_FAILURES.contains(unit), "unit " + unit + " failed:\n"
                    + host.cli("vserver", g, "exec", "systemctl", "status", "--no-pager", unit).out());
        for (String unit : List.of("systemd-journald", "systemd-logind", "dbus", "cron", "ssh", "nginx", "console-getty"))
            assertEquals("active\n", host.sh(g, "systemctl is-active " + unit), unit);
        var web = host.cli("vserver", g, "exec", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/80; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
        assertTrue(web.out().contains("Welcome to nginx"), "Debian's default nginx site answers: " + web);
        // the Container Interface: $container, a tmpfs /run, its own writable cgroup2 tree
        assertEquals("vserver", host.sh(g, "cat /run/systemd/container").strip());
        assertEquals("tmpfs\n", host.sh(g, "stat -f -c %T /run"));
        assertEquals("cgroup2fs\n", host.sh(g, "stat -f -c %T /sys/fs/cgroup"));
        assertTrue(host.sh(g, "cat /proc/1/cgroup").contains("0::/init.scope"), "systemd moved itself into its own scope");

        // a unit whose stop leaves a mark: the stop is systemd's own shutdown, not a kill
        host.sh(g, "printf '[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/bin/true\\n"
                + "ExecStop=/bin/sh -c \"date > /var/tmp/stopped-cleanly\"\\n[Install]\\nWantedBy=multi-user.target\\n'"
                + " > /etc/systemd/system/mark.service && systemctl daemon-reload && systemctl enable --now mark.service 2>/dev/null");
        var stop = host.cli("vserver", g, "stop");
        assertEquals(0, stop.code(), stop.toString());
        Path mark = host.guestsDir.resolve(g).resolve("var/tmp/stopped-cleanly");
        assertTrue(Files.exists(mark), "the unit was stopped by systemd before the guest ended");
        Files.delete(mark);
        host.assertNothingLeftOf(g);
    }

    @Test
    void runIsNewAtEveryBootAndPoweroffEndsTheGuest() throws Exception {
        host.start(g);
        booted(g);
        host.sh(g, "touch /run/stale.pid");
        host.stop(g);
        assertFalse(Files.exists(host.guestsDir.resolve(g).resolve("run/stale.pid")), "/run is not on the guest's disk");
        host.start(g);
        booted(g);
        assertEquals("absent\n", host.sh(g, "test -e /run/stale.pid && echo present || echo absent"));
        host.cli("vserver", g, "exec", "systemctl", "poweroff");
        for (int i = 0; i < 300 && host.cli("vserver", g, "running").code() == 0; i++) Thread.sleep(100);
        assertEquals(1, host.cli("vserver", g, "running").code(), "poweroff ended the guest");
        // its monitor undoes the start: no command needed
        for (int i = 0; i < 100 && (Files.exists(host.rundir.resolve(g)) || !host.monitors().isEmpty()); i++) Thread.sleep(100);
        host.assertNothingLeftOf(g);
        assertTrue(Files.readString(host.logDir.resolve(g).resolve("console.log")).contains("[vserver: guest " + g + " powered off at "));
    }

    /** `systemctl reboot` inside: its init ends, and the guest's monitor starts it again. */
    @Test
    void rebootInsideStartsTheGuestAgain() throws Exception {
        host.start(g);
        booted(g);
        int before = host.initPid(g);
        String hostBoot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        String boot1 = host.sh(g, "cat /proc/sys/kernel/random/boot_id").strip();
        assertNotEquals(hostBoot, boot1, "a boot id of the guest's own, not the host's");
        host.cli("vserver", g, "exec", "systemctl", "reboot");
        int after = before;
        for (int i = 0; i < 600 && after == before; i++) {
            Thread.sleep(100);
            after = host.guests.running(g).map(RunState::initPid).orElse(before);
        }
        assertNotEquals(before, after, "a new init after the reboot");
        // the monitor's `vserver NAME start` is still booting it: systemd's bus comes up first
        String state = "";
        for (int i = 0; i < 120 && state.isEmpty(); i++) {
            state = booted(g);
            if (state.isEmpty()) Thread.sleep(250);
        }
        assertTrue(state.equals("running") || state.equals("degraded"), "is-system-running after the reboot: " + state);
        String log = Files.readString(host.logDir.resolve(g).resolve("console.log"));
        assertTrue(log.contains("[vserver: guest " + g + " rebooted at "), log.substring(Math.max(0, log.length() - 2000)));
        String boot2 = host.sh(g, "cat /proc/sys/kernel/random/boot_id").strip();
        assertNotEquals(boot1, boot2, "the reboot is a boot of its own");
        assertNotEquals(hostBoot, boot2);
        assertTrue(host.sh(g, "journalctl --list-boots --no-pager").contains(boot2.replace("-", "")), "journald knows this boot");
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    /** ADDR PORT [REQUEST]: connects, sends REQUEST if given, prints what comes back (a banner: its first chunk) or "errno N". */
    static final String FETCH = """
            import socket,sys
            fam=socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
            c=socket.socket(fam); c.settimeout(15)
            try:
              c.connect((sys.argv[1],int(sys.argv[2])))
              req=sys.argv[3] if len(sys.argv)>3 else ''
              if req: c.sendall(req.encode())
              d=b''
              while True:
                x=c.recv(4096)
                if not x: break
                d+=x
                if not req: break
              print(d.decode(errors='replace')[:400])
            except OSError as e: print('errno', e.errno)
            """;

    /** bash -c SCRIPT in the guest (its /dev/tcp), which must succeed: its output. */
    static String bash(String guest, String script) throws Exception {
        var r = host.cli("vserver", guest, "exec", "bash", "-c", script);
        assertEquals(0, r.code(), script + ":\n" + r);
        return r.out();
    }

    static final String GET = "GET / HTTP/1.0\r\nHost: x\r\n\r\n";

    /**
     * Debian's nginx (listen 80 and [::]:80, V6ONLY), openssh-server (0.0.0.0 and ::) and postfix
     * (Internet Site: every interface, both families), unmodified, in a shared guest with two IPv4
     * addresses and an IPv6 one: each answers on all three from the host and on 127.0.0.1 and ::1
     * inside. A second guest listens on port 80 of its own address; the host's own port-80
     * service is untouched; nothing of this guest answers on the second guest's address.
     */
    @Test
    void debiansServicesAnswerUnmodifiedOnEveryAddressOfASharedGuest() throws Exception {
        TestNetns ns = TestNetns.create("vsit-sd-" + host.id);
        var rnd = ThreadLocalRandom.current();
        String p = "127.88." + rnd.nextInt(1, 255) + ".";
        String v6 = "fd77:" + Integer.toHexString(0x1000 + rnd.nextInt(0xf000)) + "::1";
        String hostOwn = p + "200", other = "sd-other";
        try {
            SharedStack.address(host, g, "0", p + "1", null);
            SharedStack.address(host, g, "1", p + "2", null);
            SharedStack.address(host, g, "2", v6, null);
            ns.ip("addr", "add", hostOwn + "/32", "dev", "lo");
            Process hostWeb = ns.spawn("python3", "-c", NetProbe.SERVE, hostOwn, "80", "host-web", "1");
            assertEquals("ready " + hostOwn, TestNetns.awaitLine(hostWeb, "ready"));
            SharedStack.run(host, ns, g, "start");
            String state = booted(g);
            assertTrue(state.equals("running") || state.equals("degraded"), "is-system-running: " + state
                    + "\n" + host.cli("vserver", g, "exec", "systemctl", "--failed", "--no-pager").out());
            for (String unit : List.of("ssh", "nginx", "postfix@-"))
                assertEquals("active\n", host.sh(g, "systemctl is-active " + unit), unit + " started, unmodified");
            for (String a : List.of(p + "1", p + "2", v6)) {
                assertTrue(ns.exec("python3", "-c", FETCH, a, "80", GET).contains("Welcome to nginx"), "nginx on " + a);
                assertTrue(ns.exec("python3", "-c", FETCH, a, "22").startsWith("SSH-2.0-"), "sshd on " + a);
                assertTrue(ns.exec("python3", "-c", FETCH, a, "25").startsWith("220 "), "postfix on " + a);
            }
            for (String lo : List.of("127.0.0.1", "::1")) {
                String web = bash(g, "exec 3<>/dev/tcp/" + lo + "/80; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
                assertTrue(web.contains("Welcome to nginx"), "nginx on " + lo + " inside: " + web);
                assertTrue(bash(g, "exec 3<>/dev/tcp/" + lo + "/25; head -c 4 <&3").startsWith("220 "), "postfix on " + lo + " inside");
                assertTrue(bash(g, "exec 3<>/dev/tcp/" + lo + "/22; head -c 8 <&3").startsWith("SSH-2.0-"), "sshd on " + lo + " inside");
            }
            // a second guest on the same port of its own address
            host.build(other);
            SharedStack.address(host, other, "0", p + "3", null);
            SharedStack.run(host, ns, other, "start");
            Process second = host.spawnIn(ns.path, "vserver", other, "exec", "python3", "-c", NetProbe.SERVE, "0.0.0.0", "80", "second", "1");
            assertEquals("ready " + p + "3", TestNetns.awaitLine(second, "ready"));
            assertTrue(ns.exec("python3", "-c", FETCH, p + "3", "80").startsWith("second "), "the second guest's port 80");
            assertEquals(0, second.waitFor());
            assertEquals("errno 111", ns.exec("python3", "-c", FETCH, p + "3", "25").strip(),
                    "the first guest's wildcard listeners do not answer on the second guest's address");
            assertTrue(ns.exec("python3", "-c", FETCH, hostOwn, "80").startsWith("host-web "), "the host's own port-80 service");
            assertEquals(0, hostWeb.waitFor());
            SharedStack.run(host, ns, other, "stop");
            SharedStack.run(host, ns, g, "stop");
            host.assertNothingLeftOf(g);
            host.assertNothingLeftOf(other);
        } finally {
            for (String guest : List.of(g, other))
                if (host.guests.running(guest).isPresent()) host.cliIn(ns.path, null, "vserver", guest, "stop");
            new ProcessBuilder("rm", "-rf", host.confdir.resolve(g).resolve("interfaces").toString()).start().waitFor();
            ns.close();
        }
    }
}
