package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * Each of the guest's own namespaces (mnt uts ipc pid net cgroup), seen from inside (through
 * {@code vserver NAME exec}) and from the host.
 */
@RequiresRoot("starts real guests")
class NamespacesIT {
    static final String NODENAME = "ns-node.example";
    static final String DOMAINNAME = "ns-domain.example";

    static TestHost host;
    static String g;
    static String hostHostname, hostDomainname;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        hostHostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        hostDomainname = Files.readString(Path.of("/proc/sys/kernel/domainname")).strip();
        g = host.build("ns");
        host.config(g, "uts/nodename", NODENAME + "\n");
        host.config(g, "uts/domainname", DOMAINNAME + "\n");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    @Test
    void theInitIsPid1OfItsOwnPidNamespace() throws Exception {
        int init = host.initPid(g);
        assertEquals(init + "\t1", HostProbe.status(init, "NSpid").replaceAll("\\s+", "\t"), "NSpid of the init on the host");
        String out = host.sh(g, "cat /proc/1/comm; ps -o pid=,comm= -p 1; cut -d' ' -f22 /proc/1/stat; echo $$");
        List<String> l = HostProbe.lines(out);
        String comm = Files.readString(Path.of("/proc/" + init + "/comm")).strip();
        assertEquals("vserver-init", comm, "the guest's PID 1 is the launcher's reaper");
        // its command line names nothing of the host (the launcher's path, the plan cache's)
        assertEquals("vserver-init", host.sh(g, "tr '\\0' ' ' < /proc/1/cmdline").strip(), "PID 1's command line inside");
        assertEquals(comm, l.get(0), "/proc/1/comm inside");
        assertEquals("1 " + comm, l.get(1).replaceAll("\\s+", " "), "ps inside");
        // the guest's clocks start at its start (virt_uptime's time namespace): its view of the
        // start time is the host's shifted by the namespace's boot-clock offset
        assertEquals(Long.toString(HostProbe.startTime(init) + HostProbe.bootOffsetTicks(init)), l.get(2),
                "PID 1 inside is the very process the host knows as the init");
        assertTrue(Integer.parseInt(l.get(3)) < 1000, "a command run by exec has a small pid of the guest's namespace: " + l.get(3));
    }

    @Test
    void theGuestSeesExactlyTheProcessesOfItsCgroup() throws Exception {
        // A second long-lived process beside the init, so that the sets compared have more than one member.
        host.sh(g, "sleep 300 >/dev/null 2>&1 </dev/null &");
        Set<Integer> before = guestPidsByHost();
        long jvm = ProcessHandle.current().pid();
        int init = host.initPid(g);
        // Only builtins: the listing sees the init, the sleep and this shell, nothing forked for the listing.
        String out = host.sh(g, "for p in /proc/[0-9]*; do echo ${p#/proc/}; done; echo self=$$; "
                + "kill -0 " + jvm + " 2>&1; echo kill-jvm=$?; kill -0 " + init + " 2>&1; echo kill-init-host-pid=$?; "
                + "test -e /proc/" + jvm + "; echo proc-jvm=$?");
        Set<Integer> after = guestPidsByHost();
        Set<Integer> inside = new TreeSet<>();
        int self = -1;
        for (String l : HostProbe.lines(out)) {
            if (l.matches("\\d+")) inside.add(Integer.parseInt(l));
            else if (l.startsWith("self=")) self = Integer.parseInt(l.substring(5));
        }
        assertTrue(inside.remove(self), "the shell sees itself: " + out);
        assertEquals(before, after, "the guest's processes did not change meanwhile");
        assertEquals(2, before.size(), "init and the sleep are the guest's processes: " + before);
        assertEquals(before, inside, "pids visible inside = the guest cgroup's processes, by their pid in the guest");
        assertTrue(out.contains("kill-jvm=1"), "kill -0 on the test JVM's host pid fails inside:\n" + out);
        assertTrue(out.contains("kill-init-host-pid=1"), "the init's host pid means nothing inside:\n" + out);
        assertTrue(out.contains("proc-jvm=1"), "no /proc entry for the JVM inside:\n" + out);
        assertTrue(out.contains("No such process"), out);
    }

    /** The guest's cgroup processes, each by its pid in the guest's pid namespace (the last NSpid entry). */
    static Set<Integer> guestPidsByHost() throws Exception {
        Set<Integer> s = new TreeSet<>();
        for (int pid : host.vs.cgroups().processes(g)) s.add(HostProbe.innerPid(pid));
        return s;
    }

    @Test
    void theGuestHasItsOwnNodeAndDomainName() throws Exception {
        List<String> l = HostProbe.lines(host.sh(g, "uname -n; hostname; cat /proc/sys/kernel/hostname; cat /proc/sys/kernel/domainname"));
        assertEquals(List.of(NODENAME, NODENAME, NODENAME, DOMAINNAME), l);
        assertNotEquals(NODENAME, hostHostname);
        assertEquals(hostHostname, Files.readString(Path.of("/proc/sys/kernel/hostname")).strip(), "the host's name is unchanged");
        assertEquals(hostDomainname, Files.readString(Path.of("/proc/sys/kernel/domainname")).strip(),
                "the host's domain name is unchanged");
    }

    @Test
    void sysvIpcObjectsAreNotShared() throws Exception {
        String made = HostProbe.ok("ipcmk", "-M", "4096");
        Matcher m = Pattern.compile("id: (\\d+)").matcher(made);
        assertTrue(m.find(), made);
        String hostId = m.group(1);
        try {
            assertTrue(shmSegments(Files.readString(Path.of("/proc/sysvipc/shm"))).containsKey(hostId), "the host sees its segment");
            String inside = host.sh(g, "ipcs -m; echo ===; cat /proc/sysvipc/shm");
            assertEquals(Map.of(), shmSegments(inside.substring(inside.indexOf("===") + 3)), "no segment inside:\n" + inside);
            assertFalse(inside.substring(0, inside.indexOf("===")).matches("(?s).*0x[0-9a-f]{8}.*"), "ipcs -m inside lists nothing:\n" + inside);
            String mine = host.sh(g, "ipcmk -M 8192 >/dev/null && cat /proc/sysvipc/shm");
            Map<String, String[]> guestSegs = shmSegments(mine);
            assertEquals(1, guestSegs.size(), mine);
            String[] seg = guestSegs.values().iterator().next();
            assertEquals("8192", seg[3], mine);
            String key = seg[0];
            for (String[] h : shmSegments(Files.readString(Path.of("/proc/sysvipc/shm"))).values())
                assertFalse(h[0].equals(key) && h[3].equals("8192"), "the guest's segment (key " + key + ") is not on the host");
        } finally {
            HostProbe.run("ipcrm", "-m", hostId);
        }
    }

    /** /proc/sysvipc/shm: shmid -> fields (key shmid perms size ...). */
    static Map<String, String[]> shmSegments(String text) {
        Map<String, String[]> m = new java.util.TreeMap<>();
        for (String l : HostProbe.lines(text)) {
            String[] f = l.split("\\s+");
            if (f.length > 3 && f[1].matches("\\d+")) m.put(f[1], f);
        }
        return m;
    }

    @Test
    void theOnlyNetworkInterfaceIsLoopback() throws Exception {
        String out = host.sh(g, "cat /proc/net/dev; echo ===; ip -o link");
        String[] parts = out.split("===\n?");
        List<String> devs = new ArrayList<>();
        for (String l : HostProbe.lines(parts[0])) if (l.contains(":") && !l.startsWith("Inter") && !l.startsWith("face")) devs.add(l.substring(0, l.indexOf(':')).strip());
        assertEquals(List.of("lo"), devs, "interfaces in /proc/net/dev inside");
        List<String> links = HostProbe.lines(parts[1]);
        assertEquals(1, links.size(), parts[1]);
        assertTrue(links.getFirst().startsWith("1: lo:"), parts[1]);
        // The host's interfaces (all but lo) are not there.
        for (String l : Files.readAllLines(Path.of("/proc/net/dev")))
            if (l.contains(":") && !l.strip().startsWith("lo:")) assertFalse(devs.contains(l.substring(0, l.indexOf(':')).strip()));
    }

    @Test
    void theGuestsMountsAreNotTheHosts() throws Exception {
        var inside = HostProbe.mountinfo(host.sh(g, "cat /proc/self/mountinfo"));
        Set<String> points = new TreeSet<>();
        for (var mt : inside) points.add(mt.point());
        assertTrue(points.containsAll(Set.of("/", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/usr")), points.toString());
        assertEquals(List.of(), host.hostMountsOfGuests(), "none of the guest's mounts is in the host's mount table");
        Path vdir = host.guestsDir.resolve(g);
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo")))
            assertFalse(HostProbe.Mount.parse(l).point().startsWith(vdir.toString()), "host mount below the guest root: " + l);
    }

    @Test
    void theCgroupNamespaceIsRootedAtTheGuestsCgroup() throws Exception {
        Set<String> controllers = HostProbe.hostControllers();
        assertFalse(controllers.isEmpty());
        Map<String, String> inside = HostProbe.parseCgroups(host.sh(g, "cat /proc/self/cgroup"));
        Map<String, String> outside = HostProbe.cgroupsOf(host.initPid(g));
        assertEquals(controllers, inside.keySet(), "every managed controller is listed inside");
        for (String c : controllers) {
            assertEquals("/", inside.get(c), "inside, " + c + " is the root of the guest's cgroup namespace");
            assertEquals("/" + host.cgroupParent + "/" + g, outside.get(c), "the host sees the init in the guest's " + c + " cgroup");
        }
    }

    @Test
    void everyNamespaceDiffersFromTheHostsAndExecJoinsTheInitsOnes() throws Exception {
        int init = host.initPid(g);
        StringBuilder script = new StringBuilder();
        for (String ns : HostProbe.NAMESPACES) script.append("readlink /proc/self/ns/").append(ns).append("; ");
        List<String> inside = HostProbe.lines(host.sh(g, script.toString()));
        assertEquals(HostProbe.NAMESPACES.size(), inside.size(), inside.toString());
        for (int i = 0; i < HostProbe.NAMESPACES.size(); i++) {
            String ns = HostProbe.NAMESPACES.get(i);
            String ofInit = HostProbe.ns(init, ns);
            assertTrue(ofInit.startsWith(ns + ":["), ofInit);
            assertNotEquals(HostProbe.ns("self", ns), ofInit, "the guest's " + ns + " namespace is its own");
            assertEquals(ofInit, inside.get(i), "an exec'd process is in the init's " + ns + " namespace");
        }
    }
}
