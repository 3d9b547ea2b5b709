package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.DevicePolicy;
import org.vserver.cgroup.DeviceRules;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * The guest's device policy (security.md §2.4) in a live guest: its own /dev nodes work, mknod of
 * a disk is refused, and the cgroup-bpf device program on the guest's cgroup v2 directory (on this
 * hybrid host: /sys/fs/cgroup/unified/PARENT/GUEST) denies a device on its own, with the v1
 * devices controller's rules relaxed for the test.
 */
@RequiresRoot("starts real guests")
@RequiresKernel(Feature.CGROUP2)
class DevicePolicyIT {
    static final Path CGROUP = Path.of("/sys/fs/cgroup");
    static TestHost host;
    static String g;
    static Path unified;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        boolean v2 = Files.isRegularFile(CGROUP.resolve("cgroup.controllers"));
        unified = (v2 ? CGROUP : CGROUP.resolve("unified")).resolve(host.cgroupParent);
        g = host.build("devp");
        unified = unified.resolve(g);
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (host == null) return;
        host.closeAfterStopping(g);
        if (unified != null) assertFalse(Files.exists(unified), "the guest's unified cgroup is removed at stop: " + unified);
    }

    @Test
    void theGuestsOwnDevicesWork() throws Exception {
        String out = host.sh(g, "echo x > /dev/null && cat /dev/null && head -c4 /dev/zero | wc -c && head -c4 /dev/urandom | wc -c"
                + " && echo y > /dev/full; echo full=$?");
        assertEquals(List.of("4", "4", "full=1"), out.lines().map(String::strip).toList(), out);
    }

    @Test
    void mknodOfADiskFailsBecauseTheBoundingSetLacksCapMknod() throws Exception {
        TestHost.Result r = host.cli("vserver", g, "exec", "/bin/sh", "-c",
                "grep CapBnd /proc/self/status; mknod /tmp/sda b 8 0; echo rc=$?; ls /tmp/sda");
        assertTrue(r.out().contains("rc=1"), r.toString());
        assertTrue(r.err().contains("Operation not permitted"), "EPERM from mknod:\n" + r);
        assertTrue(r.err().contains("No such file"), "no node was made:\n" + r);
        long bnd = Long.parseLong(r.out().lines().filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().split("\\s+")[1], 16);
        assertEquals(0, bnd & (1L << 27), "CAP_MKNOD (27) is not in the guest's bounding set: " + Long.toHexString(bnd));
    }

    @Test
    void theGuestsUnifiedCgroupCarriesTheDeviceProgramAndItsProcesses() throws Exception {
        assertTrue(Files.isDirectory(unified), unified.toString());
        assertEquals(1, DevicePolicy.bpf(new LinuxSyscalls()).attached(unified).size(), "one device program on " + unified);
        assertEquals(List.of(), DevicePolicy.bpf(new LinuxSyscalls()).attached(unified.getParent()), "none on the parent");
        String init = Files.readString(Path.of("/proc/" + host.initPid(g) + "/cgroup"));
        assertTrue(init.lines().anyMatch(l -> l.equals("0::/" + host.cgroupParent + "/" + g)), init);
        // an exec'd process joined it too: at the root of the guest's cgroup namespace, not above it
        assertTrue(host.sh(g, "cat /proc/self/cgroup").lines().anyMatch(l -> l.equals("0::/")), "exec joins the unified cgroup");
    }

    @RequiresKernel(Feature.CGROUP_V1_DEVICES)
    @Test
    void theProgramAloneDeniesADeviceTheV1ControllerWouldAllow() throws Exception {
        Path v1 = CGROUP.resolve("devices").resolve(host.cgroupParent).resolve(g);
        Path vdir = host.guestsDir.resolve(g);
        Path node = vdir.resolve("vserver-probe-sda");
        String open = "(exec 3</vserver-probe-sda) 2>&1; echo x > /dev/null && echo null-ok";
        assertEquals(0, new ProcessBuilder("mknod", node.toString(), "b", "8", "0").inheritIO().start().waitFor());
        try {
            // the host itself (no program on its cgroup) reaches the device layer: no disk 8:0 here, ENXIO, not EPERM
            var hostOpen = new ProcessBuilder("sh", "-c", "(exec 3<" + node + ") 2>&1").start();
            String onHost = new String(hostOpen.getInputStream().readAllBytes());
            hostOpen.waitFor();
            assertFalse(onHost.contains("Operation not permitted"), onHost);

            assertTrue(host.sh(g, open).contains("Operation not permitted"), "both layers deny");
            Files.writeString(v1.resolve("devices.allow"), "a");                   // v1 now allows every device
            assertEquals("a *:* rwm", Files.readString(v1.resolve("devices.list")).strip());
            String out = host.sh(g, open);
            assertTrue(out.contains("vserver-probe-sda") && out.contains("Operation not permitted"), "the program denies:\n" + out);
            assertTrue(out.contains("null-ok"), out);
        } finally {
            Files.deleteIfExists(node);
            Files.writeString(v1.resolve("devices.deny"), "a");
            for (DeviceRules.Rule rule : DeviceRules.ALLOW) Files.writeString(v1.resolve("devices.allow"), rule.toString());
        }
        assertNotEquals("a *:* rwm", Files.readString(v1.resolve("devices.list")).strip(), "v1 rules restored");
    }
}
