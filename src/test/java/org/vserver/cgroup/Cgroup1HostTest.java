package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.proc.GuestOfPid;
import org.vserver.proc.ProcStat;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;

/** The v1 manager against this host's kernel: real cgroups under a per-run parent, a real process. */
@RequiresKernel(Feature.CGROUP_V1)
class Cgroup1HostTest {
    /** The kernel's device programs, through this JVM's syscalls. */
    final DevicePolicy bpf = DevicePolicy.bpf(new LinuxSyscalls());
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    static final String GUEST = "g1";

    final String parent = "vservers-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    Cgroup1Manager cgroups;
    Process sleeper;

    @BeforeEach void onlyAsRootOnAV1Host() throws IOException {
        cgroups = new Cgroup1Manager(ROOT, parent, Mountinfo.self(ProcFs.host()), bpf);
    }

    @AfterEach void cleanUp() throws Exception {
        if (cgroups == null) return;
        try {
            if (cgroups.exists(GUEST)) cgroups.freeze(GUEST, false);         // a frozen task cannot die
        } finally {
            if (sleeper != null && sleeper.isAlive()) {
                sleeper.destroyForcibly();
                sleeper.waitFor(10, TimeUnit.SECONDS);
            }
            cgroups.remove(GUEST);
            cgroups.removeParent();
        }
        assertEquals(List.of(), leftovers(), "cgroup directories left behind");
    }

    @Test void guestLifecycleWithARealProcess() throws Exception {
        cgroups.create(GUEST);
        assertTrue(cgroups.exists(GUEST));
        for (Hierarchy h : cgroups.hierarchies()) assertTrue(Files.isDirectory(h.mount().resolve(parent).resolve(GUEST)), h.toString());

        sleeper = new ProcessBuilder("sleep", "60").start();
        int pid = (int) sleeper.pid();
        cgroups.addProcess(GUEST, pid);
        assertTrue(cgroups.processes(GUEST).contains(pid), cgroups.processes(GUEST).toString());

        String membership = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        for (Hierarchy h : cgroups.hierarchies()) {
            String controllers = h.mount().getFileName().toString();
            assertTrue(membership.lines().anyMatch(l -> l.matches("\\d+:" + controllers + ":/" + parent + "/" + GUEST)),
                    controllers + " not in\n" + membership);
        }
        assertEquals(Optional.of(GUEST), new GuestOfPid(Path.of("/proc"), parent).guestOf(pid));
        if (cgroups.unified().isPresent()) {
            // hybrid: the unified cgroup too, with exactly one device program
            assertTrue(membership.lines().anyMatch(l -> l.equals("0::/" + parent + "/" + GUEST)), membership);
            Path u = cgroups.unified().get().resolve(parent).resolve(GUEST);
            assertEquals(1, bpf.attached(u).size());
        }

        cgroups.freeze(GUEST, true);
        assertEquals("FROZEN", Fixtures.read(ROOT.resolve("freezer").resolve(parent).resolve(GUEST).resolve("freezer.state")));
        cgroups.freeze(GUEST, false);
        assertEquals("THAWED", Fixtures.read(ROOT.resolve("freezer").resolve(parent).resolve(GUEST).resolve("freezer.state")));

        CgroupManager.Usage usage = cgroups.usage(GUEST);
        assertTrue(usage.tasks() >= 1, usage.toString());
        assertTrue(usage.memoryBytes() >= 0, usage.toString());
        assertTrue(ProcStat.read(Path.of("/proc"), pid).isPresent());

        sleeper.destroyForcibly();
        sleeper.waitFor(10, TimeUnit.SECONDS);
        cgroups.remove(GUEST);                                               // may meet EBUSY for a few ms
        assertFalse(cgroups.exists(GUEST));
        cgroups.removeParent();
        assertEquals(List.of(), leftovers());
    }

    @RequiresKernel(Feature.CGROUP_V1_DEVICES)
    @Test void devicesListIsExactlyTheAllowList() throws IOException {
        cgroups.create(GUEST);
        List<String> list = Files.readAllLines(ROOT.resolve("devices").resolve(parent).resolve(GUEST).resolve("devices.list"));
        assertEquals(DeviceRules.ALLOW.stream().map(DeviceRules.Rule::toString).sorted().toList(), list.stream().sorted().toList());
    }

    @Test void cpusetOfTheGuestIsTheRootsCopy() throws IOException {
        cgroups.create(GUEST);
        for (String f : CpusetController.FILES)
            assertEquals(Fixtures.read(ROOT.resolve("cpuset").resolve(f)), Fixtures.read(ROOT.resolve("cpuset").resolve(parent).resolve(GUEST).resolve(f)));
    }

    /** Every directory named after this run's parent, in any hierarchy. */
    List<Path> leftovers() throws IOException {
        var out = new ArrayList<Path>();
        try (DirectoryStream<Path> hs = Files.newDirectoryStream(ROOT)) {
            for (Path h : hs) if (Files.exists(h.resolve(parent))) out.add(h.resolve(parent));
        }
        return out;
    }
}
