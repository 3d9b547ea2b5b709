package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.DeviceRules;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * Every process of a guest is in the guest's cgroup in every managed v1 hierarchy, the devices
 * cgroup allows exactly {@link DeviceRules#ALLOW}, and a stop leaves neither cgroup nor process.
 */
@RequiresRoot("starts real guests")
class CgroupIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    /** Host pids of every process in the pid namespace of the guest's init (by scanning the host's /proc). */
    static Map<Integer, String> processesInPidNamespaceOf(int init) throws Exception {
        String pidns = HostProbe.ns(init, "pid");
        Map<Integer, String> found = new TreeMap<>();
        try (var l = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) l::iterator) {
                String n = p.getFileName().toString();
                if (!n.matches("\\d+")) continue;
                try {
                    if (HostProbe.ns(n, "pid").equals(pidns)) found.put(Integer.parseInt(n), Files.readString(p.resolve("comm")).strip());
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    @Test
    void aGuestsRootOwnsItsCgroupsReadyForDelegation() throws Exception {
        String g = host.build("cg-own");
        long uid = Long.parseLong(Files.readString(host.confdir.resolve(g).resolve("userns/uidmap")).strip().split("\\s+")[0]);
        long gid = Long.parseLong(Files.readString(host.confdir.resolve(g).resolve("userns/gidmap")).strip().split("\\s+")[0]);
        host.start(g);
        try {
            List<Path> files = host.vs.cgroups().delegationFiles(g);
            assertFalse(files.isEmpty());
            for (Path f : files) {
                assertEquals(uid, ((Number) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue(), f.toString());
                assertEquals(gid, ((Number) Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue(), f.toString());
            }
            // the parent stays the host's: the guest cannot move itself out or make siblings
            assertEquals(0, ((Number) Files.getAttribute(files.getFirst().getParent(), "unix:uid")).intValue());
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    @Test
    void everyGuestProcessIsInTheGuestsCgroupsAndNoneOutlivesTheStop() throws Exception {
        String g = host.build("cg");
        host.start(g);
        int init = host.initPid(g);
        long initStart = HostProbe.startTime(init);
        String expected = "/" + host.cgroupParent + "/" + g;
        Set<String> controllers = HostProbe.hostControllers();
        assertFalse(controllers.isEmpty(), "cgroup v1 controllers on this host");

        host.sh(g, "sleep 30 >/dev/null 2>&1 </dev/null &");
        // A command run by exec is in the guest's cgroups too: with the cgroup namespace rooted
        // there, it reads "/" only if it is in the guest's cgroup of each hierarchy.
        Map<String, String> ofExec = HostProbe.parseCgroups(host.sh(g, "cat /proc/self/cgroup"));
        assertEquals(controllers, ofExec.keySet());
        for (String c : controllers) assertEquals("/", ofExec.get(c), "an exec'd process's " + c + " cgroup");

        Map<Integer, String> procs = processesInPidNamespaceOf(init);
        assertEquals("vserver-init", procs.get(init), "the init is in its own pid namespace: " + procs);
        List<Integer> sleeps = new ArrayList<>();
        procs.forEach((pid, comm) -> { if (comm.equals("sleep")) sleeps.add(pid); });
        assertEquals(1, sleeps.size(), "the backgrounded sleep: " + procs);
        int sleep = sleeps.getFirst();
        long sleepStart = HostProbe.startTime(sleep);
        assertEquals(procs.keySet(), new TreeSet<>(host.vs.cgroups().processes(g)),
                "the guest's cgroup holds exactly the processes of its pid namespace");
        for (int pid : procs.keySet()) {
            Map<String, String> cg = HostProbe.cgroupsOf(pid);
            assertEquals(controllers, cg.keySet(), "pid " + pid);
            for (String c : controllers) assertEquals(expected, cg.get(c), procs.get(pid) + " (" + pid + ") in the " + c + " hierarchy");
        }
        List<Path> dirs = new ArrayList<>();
        for (String c : controllers) {
            Path d = Path.of("/sys/fs/cgroup", c).toRealPath().resolve(host.cgroupParent).resolve(g);
            assertTrue(Files.isDirectory(d), d.toString());
            assertTrue(Files.readAllLines(d.resolve("cgroup.procs")).contains(Integer.toString(sleep)), "the sleep in " + d);
            dirs.add(d);
        }

        host.stop(g);
        host.assertNothingLeftOf(g);
        for (Path d : dirs) assertFalse(Files.exists(d), d + " is removed");
        assertFalse(HostProbe.alive(sleep, sleepStart), "the backgrounded sleep died with the guest");
        assertFalse(HostProbe.alive(init, initStart), "the init is gone");
    }

    @RequiresKernel(Feature.CGROUP_V1_DEVICES)
    @Test
    void theDevicesCgroupAllowsExactlyTheAllowList() throws Exception {
        Path devices = Path.of("/sys/fs/cgroup/devices");
        String g = host.build("cg-dev");
        // With CAP_MKNOD granted and without a user namespace (in one, no device node can be made at
        // all), only the devices cgroup stands between guest root and a host disk.
        host.config(g, "bcapabilities", "CAP_MKNOD\n");
        host.config(g, "userns/disabled", "");
        host.start(g);
        try {
            Path list = devices.toRealPath().resolve(host.cgroupParent).resolve(g).resolve("devices.list");
            List<String> allowed = Files.readAllLines(list).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            List<String> expected = DeviceRules.ALLOW.stream().map(DeviceRules.Rule::toString).toList();
            assertEquals(new TreeSet<>(expected), new TreeSet<>(allowed), "devices.list of the guest");
            assertEquals(expected.size(), allowed.size(), allowed.toString());
            assertFalse(allowed.contains("a *:* rwm"), "not everything is allowed");
            // Enforced: mknod of an allowed device works, of a disk or /dev/mem it does not.
            String out = host.sh(g, "exec 2>&1; cd /tmp; mknod sda b 8 0; echo sda=$?; mknod mem c 1 1; echo mem=$?; "
                    + "mknod mynull c 1 3 && echo x > mynull && echo mynull=ok; ls");
            assertTrue(out.contains("sda=1") && out.contains("mem=1"), "the devices cgroup refuses other devices:\n" + out);
            assertTrue(out.contains("Operation not permitted"), out);
            assertTrue(out.contains("mynull=ok"), "an allowed device can be made and opened:\n" + out);
            assertFalse(out.contains("sda\n") || out.contains("mem\n"), "no node made:\n" + out);
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }
}
