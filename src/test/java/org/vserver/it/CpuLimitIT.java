package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.vserver.cgroup.Counters;
import org.vserver.testsupport.RequiresRoot;

/**
 * The token bucket on real guests: a hard-limited hog gets its share, a burst after idle is granted
 * and then held, sched_pause freezes and thaws, a cpuset pins, and vsched changes a running guest
 * at once. Shares are measured over seconds with a generous tolerance; the tight figures are
 * bench/cpu-share's.
 */
@RequiresRoot("starts real guests")
class CpuLimitIT {
    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    /** CPU time the guest's cgroup used so far, in seconds (cpuacct, v1). */
    double cpuSeconds(String g) throws Exception {
        Path f = Path.of("/sys/fs/cgroup/cpuacct", host.cgroupParent, g, "cpuacct.usage");
        return Long.parseLong(Files.readString(f).strip()) / 1e9;
    }

    /** CPUs the guest used per second of wall time over {@code millis}. */
    double share(String g, long millis) throws Exception {
        double before = cpuSeconds(g);
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        double used = cpuSeconds(g) - before;
        return used / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * Gives this run's cgroup parent the most weight the kernel allows, so the shares measured here
     * are the guest's limits and not whatever else loads the machine (other jobs on a shared CI host).
     */
    void favour() throws Exception {
        Files.writeString(Path.of("/sys/fs/cgroup/cpu", host.cgroupParent, "cpu.shares"), "262144");
    }

    void hogs(String g, int n) throws Exception {
        favour();
        for (int i = 0; i < n; i++) host.sh(g, "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &");
    }

    void sched(String g, String... files) throws Exception {
        host.config(g, "cflags", "sched_hard\n");
        for (int i = 0; i < files.length; i += 2) host.config(g, "sched/" + files[i], files[i + 1] + "\n");
    }

    int cpus() { return Runtime.getRuntime().availableProcessors(); }

    @Test
    void aHardLimitedHogGetsItsShare() throws Exception {
        String g = host.build("hard");
        sched(g, "fill-rate", "1", "interval", "5", "tokens-min", "20", "tokens-max", "40");   // 20% of each CPU
        host.start(g);
        hogs(g, cpus());                        // enough to use every CPU it may
        Thread.sleep(500);                      // past the initial bucket
        double got = share(g, 3000);
        double want = 0.2 * cpus();
        assertTrue(Math.abs(got - want) < 0.25 * want, "hard limit: used " + got + " CPUs, configured " + want);
        Counters c = host.vs.cgroups().counters(g);
        assertTrue(c.throttled() > 0, "the kernel held the guest: " + c);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void aBurstAfterIdleIsGrantedAndThenHeld() throws Exception {
        String g = host.build("burst");
        // 10% of each CPU; period = tokens-min 50 earned at 1/10 = 500 ms; the burst (tokens-max - tokens-min) fits the quota.
        sched(g, "fill-rate", "1", "interval", "10", "tokens-min", "50", "tokens-max", "100");
        host.start(g);
        Thread.sleep(1500);                     // idle: unused quota accumulates as burst credit
        Counters idle = host.vs.cgroups().counters(g);
        hogs(g, cpus());
        Thread.sleep(2500);
        Counters busy = host.vs.cgroups().counters(g);
        assertTrue(busy.bursts() > idle.bursts() && busy.burstUsec() > idle.burstUsec(), "burst granted: " + idle + " -> " + busy);
        assertTrue(busy.throttled() > idle.throttled(), "then held: " + idle + " -> " + busy);
        double got = share(g, 2000);
        assertTrue(got < 0.1 * cpus() * 1.5, "after the burst, back at the share: " + got);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void schedPauseFreezesAndResumeThaws() throws Exception {
        String g = host.build("pause");
        host.start(g);
        hogs(g, 1);
        Thread.sleep(200);
        assertEquals(0, host.cli("vsched", "--xid", g, "--flag", "sched_pause").code());
        double frozen = cpuSeconds(g);
        Thread.sleep(700);
        assertEquals(frozen, cpuSeconds(g), 0.0005, "a paused guest uses no CPU");
        assertTrue(host.vs.cgroups().counters(g).frozen());
        var status = host.cli("vserver", g, "status");
        assertTrue(status.out().contains("paused"), status.toString());
        assertEquals(0, host.cli("vsched", "--xid", g, "--flag", "~sched_pause").code());
        assertTrue(share(g, 700) > 0.1, "resumed: the hog runs again");
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void aGuestConfiguredPausedStartsFrozenAndStops() throws Exception {
        String g = host.build("paused");
        host.config(g, "cflags", "sched_pause\n");
        host.start(g);
        assertTrue(host.vs.cgroups().counters(g).frozen());
        host.stop(g);                           // thaws first: the frozen init could not die otherwise
        host.assertNothingLeftOf(g);
    }

    @Test
    void aCpusetPinsTheGuest() throws Exception {
        int last = cpus() - 1;
        String g = host.build("pinned");
        host.config(g, "cpuset/cpus", last + "\n");
        host.start(g);
        assertEquals(Integer.toString(last), HostProbe.status(host.initPid(g), "Cpus_allowed_list"));
        String inside = host.sh(g, "grep Cpus_allowed_list /proc/self/status");
        assertTrue(inside.strip().endsWith("\t" + last) || inside.strip().endsWith(" " + last), inside);
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    /**
     * A compiled start pins what was true when it was compiled; CPUs that went away since (offline,
     * or taken out of the parent cpuset) fail the start where the kernel refuses them, with what
     * to do, and leave nothing behind. Here the parent cpuset shrinks to CPU 0 behind the plan's back.
     */
    @Test
    void cpusGoneSinceTheCompileFailTheStartWithWhatToDo() throws Exception {
        Path parent = Path.of("/sys/fs/cgroup/cpuset", host.cgroupParent);
        Assumptions.assumeTrue(cpus() > 1 && Files.isDirectory(parent.getParent()), "needs a v1 cpuset hierarchy and two CPUs");
        String g = host.build("gonecpu");
        host.config(g, "cpuset/cpus", (cpus() - 1) + "\n");
        host.start(g);
        host.stop(g);
        Files.createDirectory(parent);
        try {
            Files.writeString(parent.resolve("cpuset.cpus"), "0");
            Files.writeString(parent.resolve("cpuset.mems"), Files.readString(parent.getParent().resolve("cpuset.mems")).strip());
            var r = host.launcher(null, java.util.Map.of(), "--start", host.cacheDir.resolve(g).resolve("plan").toString());
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains("cpuset.cpus") && r.err().contains("are not all online"), r.toString());
            assertEquals(1, r.err().strip().lines().count(), r.toString());
            host.assertNothingLeftOf(g);
        } finally {
            Files.deleteIfExists(parent);       // the failed start's undo took it already (its journal's rmdir)
        }
    }

    @Test
    void cpusTheHostLacksAreRefusedBeforeAnythingStarts() throws Exception {
        String g = host.build("nocpu");
        host.config(g, "cpuset/cpus", "0-4095\n");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("cpuset/cpus"), r.toString());
        assertTrue(!r.err().contains("Exception"), r.toString());
        host.assertNothingLeftOf(g);
    }

    @Test
    void debugPlanLimitsShowsWhatTheKernelWillBeToldWithoutStarting() throws Exception {
        String g = host.build("shown");
        sched(g, "fill-rate", "1", "interval", "4", "tokens-min", "25", "tokens-max", "50");
        var r = host.cli("vserver", "debug", "plan", g, "limits");
        assertEquals(0, r.code(), r.toString());
        // period = 25 tokens at 1 per 4 ms = 100 ms; quota = 25 ms x CPUs; burst = 25 ms x CPUs
        assertTrue(r.out().contains("cpu: period 100000 us, quota " + 25_000 * cpus() + " us, burst " + 25_000 * cpus() + " us"), r.out());
        assertTrue(!host.vs.cgroups().exists(g));
    }

    @Test
    void aZeroRateIsRefusedNamingTheFileAndNothingStarts() throws Exception {
        String g = host.build("zero");
        sched(g, "fill-rate", "0");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("sched/fill-rate:1:") && r.err().contains("fill-rate 0"), r.toString());
        assertTrue(!r.err().contains("Exception"), r.toString());
        host.assertNothingLeftOf(g);
    }

    @Test
    void vschedChangesARunningGuestAtOnce() throws Exception {
        String g = host.build("live");
        host.start(g);
        hogs(g, 1);
        Path quota = Path.of("/sys/fs/cgroup/cpu", host.cgroupParent, g, "cpu.cfs_quota_us");
        assertEquals("-1", Files.readString(quota).strip(), "no limit configured");
        var r = host.cli("vsched", "--xid", g, "--fill-rate", "1", "--interval", "10", "--tokens-min", "10",
                "--tokens-max", "20", "--flag", "sched_hard");
        assertEquals(0, r.code(), r.toString());
        // In force when vsched returns: the kernel file already holds the new quota.
        assertEquals(Long.toString(10_000L * cpus()), Files.readString(quota).strip(), "quota = tokens-min ms x CPUs");
        double got = share(g, 2000);
        assertTrue(got < 0.1 * cpus() * 1.3 + 0.02, "the new 10% share holds: " + got);
        var get = host.cli("vsched", "--xid", g, "--get");
        assertEquals(0, get.code(), get.toString());
        assertTrue(get.out().contains("fill-rate 1 interval 10") && get.out().contains("sched_hard"), get.out());
        assertTrue(get.out().contains("cpu.cfs_quota_us="), get.out());
        var bad = host.cli("vsched", "--xid", g, "--tokens-min", "30", "--tokens-max", "20");
        assertTrue(bad.code() != 0 && bad.err().contains("tokens-min"), bad.toString());
        assertEquals(Long.toString(10_000L * cpus()), Files.readString(quota).strip(), "a refused change changes nothing");
        host.stop(g);
        host.assertNothingLeftOf(g);
    }
}
