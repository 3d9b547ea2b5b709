package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.cgroup.Counters;
import org.vserver.testsupport.RequiresRoot;

/**
 * Per-guest limits on real guests: a memory hog dies inside its guest only, a fork bomb stops at
 * nproc and the guest stays enterable and stoppable, per-process limits reach every process, and
 * vlimit changes a running guest at once.
 */
@RequiresRoot("starts real guests")
class MemoryLimitIT {
    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    @Test
    void aMemoryHogIsKilledInsideItsGuestOnly() throws Exception {
        String g = host.build("hog");
        String other = host.build("bystander");
        host.config(g, "rlimits/rss.hard", "8192\n");      // pages: 32 MiB
        host.start(g);
        host.start(other);
        int init = host.initPid(g);
        var r = host.cli("vserver", g, "exec", "perl", "-e", "$x = 'x' x (256 * 1024 * 1024); print length($x)");
        assertEquals(128 + 9, r.code(), "the hog is killed by SIGKILL: " + r);
        Counters c = host.vs.cgroups().counters(g);
        assertTrue(c.oomKills() >= 1, "the OOM kill is counted for the guest: " + c);
        assertEquals(init, host.initPid(g), "the guest's init survives");
        assertEquals("ok\n", host.sh(g, "echo ok"));
        assertEquals("ok\n", host.sh(other, "echo ok"), "the other guest is untouched");
        assertEquals(0, host.vs.cgroups().counters(other).oomKills());
        var status = host.cli("vserver", g, "status");
        assertTrue(status.out().contains("OOM kills " + c.oomKills()), status.toString());
        host.stop(g);
        host.stop(other);
        host.assertNothingLeftOf(g);
        host.assertNothingLeftOf(other);
    }

    @Test
    void aForkBombStopsAtNprocAndTheGuestCanStillBeEnteredAndStopped() throws Exception {
        String g = host.build("bomb");
        host.config(g, "rlimits/nproc", "40\n");
        host.start(g);
        // A real fork bomb, detached: every process forks two more until the kernel refuses.
        host.sh(g, "sh -c 'b() { b & b & wait; }; b' </dev/null >/dev/null 2>&1 &");
        Counters c = host.vs.cgroups().counters(g);
        for (int i = 0; i < 100 && c.forkRefusals() == 0; i++) {   // up to 10 s on a loaded machine
            Thread.sleep(100);
            c = host.vs.cgroups().counters(g);
        }
        assertTrue(c.forkRefusals() > 0, "forks refused at nproc: " + c);
        assertTrue(c.tasks() <= 40, "tasks stay at the limit: " + c);
        // Entering works at the limit: the joining process forks before it joins the guest's cgroup.
        var r = host.cli("vserver", g, "exec", "cat", "/proc/self/cgroup");
        assertEquals(0, r.code(), "exec into a guest at its nproc limit: " + r);
        var v = host.cli("vlimit", "--xid", g, "--get");
        assertTrue(v.out().contains("nproc"), v.toString());
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void perProcessLimitsReachEveryProcessOfTheGuest() throws Exception {
        String g = host.build("ulimit");
        host.config(g, "rlimits/nofile", "512\n");
        host.config(g, "ulimits/core.soft", "0\n");
        host.config(g, "ulimits/core.hard", "1M\n");
        host.start(g);
        String limits = host.sh(g, "cat /proc/self/limits");
        assertTrue(limits.matches("(?s).*Max open files\\s+512\\s+512.*"), limits);
        assertTrue(limits.matches("(?s).*Max core file size\\s+0\\s+1048576.*"), "ulimits/core.soft|.hard: " + limits);
        String ofInit = Files.readString(Path.of("/proc", Integer.toString(host.initPid(g)), "limits"));
        assertTrue(ofInit.matches("(?s).*Max open files\\s+512\\s+512.*"), ofInit);
        // vlimit changes it in every process at once
        assertEquals(0, host.cli("vlimit", "--xid", g, "--nofile", "256").code());
        String after = Files.readString(Path.of("/proc", Integer.toString(host.initPid(g)), "limits"));
        assertTrue(after.matches("(?s).*Max open files\\s+256\\s+256.*"), after);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void vlimitChangesARunningGuestAtOnceAndRefusesALimitBelowItsUse() throws Exception {
        String g = host.build("vlim");
        host.start(g);
        Path max = Path.of("/sys/fs/cgroup/memory", host.cgroupParent, g, "memory.limit_in_bytes");
        Path pids = Path.of("/sys/fs/cgroup/pids", host.cgroupParent, g, "pids.max");
        var r = host.cli("vlimit", "--xid", g, "--rss", "64K", "--nproc", "100");
        assertEquals(0, r.code(), r.toString());
        assertEquals(Long.toString(64L * 1024 * 4096), Files.readString(max).strip(), "64K pages = 256 MiB");
        assertEquals("100", Files.readString(pids).strip());
        // hold 8 MiB in the guest, then ask for a 1 MiB limit
        host.sh(g, "perl -e '$x = q(x) x (8 * 1024 * 1024); sleep 60' </dev/null >/dev/null 2>&1 &");
        Thread.sleep(300);
        var low = host.cli("vlimit", "--xid", g, "--rss", "256");
        assertNotEquals(0, low.code(), low.toString());
        assertTrue(low.err().contains("below what guest " + g + " uses now"), low.toString());
        assertEquals(Long.toString(64L * 1024 * 4096), Files.readString(max).strip(), "a refused change changes nothing");
        var get = host.cli("vlimit", "--xid", g, "--get");
        assertTrue(get.out().contains("rss") && get.out().contains("65536"), get.toString());
        host.stop(g);
        host.assertNothingLeftOf(g);
    }
}
