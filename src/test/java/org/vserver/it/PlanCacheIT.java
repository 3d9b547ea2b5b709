package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The compiled start (doc/plan-cache.md): a current plan is run by the launcher alone; any change
 * of an input makes it stale, and a stale plan is never run; every host step of a start that fails,
 * or a launcher killed at any point, leaves nothing once the next command has run.
 */
@RequiresRoot("starts real guests")
class PlanCacheIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    private static Path cache(String g) { return host.cacheDir.resolve(g).resolve("plan"); }

    private static TestHost.Result launcher(Map<String, String> env, String... args) throws Exception {
        return host.launcher(null, env, args);
    }

    private static String check(String g) throws Exception {
        return launcher(Map.of(), "--check", cache(g).toString()).out().strip();
    }

    /** The plan's steps as `--dry-run` prints them, without the header line. */
    private static List<String> steps(String g) throws Exception {
        var r = launcher(Map.of(), "--dry-run", cache(g).resolve("start.plan").toString());
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().skip(1).toList();
    }

    @Test
    void aCurrentPlanStartsWithoutJavaAndAConfigurationEditMakesItStale() throws Exception {
        String g = host.build("pc-edit");
        assertEquals(0, host.cli("vserver", g, "start").code());            // the first start compiles
        assertEquals("current", check(g));
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);

        // what bin/vserver runs for a current plan: no JVM on the path
        var alone = launcher(Map.of(), "--start", cache(g).toString());
        assertEquals(0, alone.code(), alone.toString());
        assertEquals("pc-edit\n", host.sh(g, "hostname"));
        var stop = launcher(Map.of(), "--stop", host.rundir.resolve(g).toString());
        assertEquals(0, stop.code(), stop.toString());
        host.assertNothingLeftOf(g);

        host.config(g, "uts/nodename", "renamed\n");
        String stale = check(g);
        assertTrue(stale.startsWith("stale: tree " + host.confdir.resolve(g) + " changed"), stale);
        // a stale plan is never run: the launcher leaves the start to java, having touched nothing
        var refused = launcher(Map.of(), "--start", cache(g).toString());
        assertEquals(124, refused.code(), refused.toString());
        host.assertNothingLeftOf(g);
        // bin/vserver then compiles and starts: the guest has what the configuration says now
        var restart = host.cli("vserver", g, "start");
        assertEquals(0, restart.code(), restart.toString());
        assertEquals("renamed\n", host.sh(g, "hostname"));
        assertEquals("current", check(g));
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);
    }

    @Test
    void configSetCompilesTheNextStartAndADefaultsEditMakesItStale() throws Exception {
        String g = host.build("pc-set");
        host.start(g);
        host.stop(g);
        assertEquals("current", check(g));
        var set = host.cli("vserver", g, "config", "set", "nice", "5");
        assertEquals(0, set.code(), set.toString());
        // config set compiled the start anew: current again, and it is the new configuration's
        assertEquals("current", check(g));
        assertTrue(steps(g).stream().anyMatch(l -> l.contains(" SET_PRIORITY 5")), String.join("\n", steps(g)));
        var alone = launcher(Map.of(), "--start", cache(g).toString());
        assertEquals(0, alone.code(), alone.toString());
        assertEquals("5", host.sh(g, "cut -d' ' -f19 /proc/1/stat").strip());
        host.stop(g);
        // an edit behind vserver's back (an editor, a restore) is a changed input all the same
        Files.writeString(host.confdir.resolve(g).resolve("nice"), "6\n");
        assertTrue(check(g).startsWith("stale: tree " + host.confdir.resolve(g)), check(g));
        host.start(g);
        assertEquals("6", host.sh(g, "cut -d' ' -f19 /proc/1/stat").strip());
        host.stop(g);
        assertEquals("current", check(g));
        Files.writeString(host.confdir.resolve(".defaults/nice"), "3\n");
        assertTrue(check(g).startsWith("stale: tree " + host.confdir.resolve(".defaults")), check(g));
        Files.delete(host.confdir.resolve(".defaults/nice"));
        assertEquals("current", check(g), "the same inputs again: the same key");
        host.assertNothingLeftOf(g);
    }

    @Test
    void everyStepThatFailsIsUndoneAndNamed() throws Exception {
        String g = host.build("pc-fail");
        host.start(g);
        host.stop(g);
        List<String> steps = steps(g);
        int clone = -1;
        for (int i = 0; i < steps.size() && clone < 0; i++) if (steps.get(i).contains(" CLONE ")) clone = i;
        assertTrue(clone > 10, "the host steps come before the clone:\n" + String.join("\n", steps));
        // every host step, then some of the guest's own (in its namespaces, after the clone)
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i <= clone + 3; i++) at.add(i);
        at.add(steps.size() / 2);
        at.add(steps.size() - 1);
        for (int n : at) {
            var r = launcher(Map.of("VSERVER_LAUNCHER_FAIL_STEP", Integer.toString(n)), "--start", cache(g).toString());
            String op = steps.get(n).strip().split(" ")[1];
            assertEquals(1, r.code(), "step " + n + " " + op + ": " + r);
            assertTrue(r.err().contains("injected failure") && r.err().contains("(step " + n + "/" + steps.size() + ": " + op),
                    "names the step and the call: " + r.err());
            assertTrue(r.err().contains("EIO"), "names the errno: " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            host.assertNothingLeftOf(g);
            assertEquals(List.of(), host.cgroupDirs(), "cgroups left after step " + n + " " + op);
            assertEquals(List.of(), host.runStateLeft(), "run state left after step " + n + " " + op);
        }
        assertEquals(0, host.cli("vserver", g, "start").code(), "and the guest starts after all that");
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);
    }

    @Test
    void aLauncherKilledAtAnyPointIsCleanedUpByTheNextCommand() throws Exception {
        String g = host.build("pc-kill");
        host.start(g);
        host.stop(g);
        List<String> steps = steps(g);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            String op = steps.get(i).strip().split(" ")[1];
            // the sync points of the host's side: right after the journal opens, amid the run state,
            // the cgroups and the device program, and at the clone (the guest's own steps run as the
            // init of its pid namespace, which no signal from inside stops)
            if (op.equals("MKDIR_HOST") && at.isEmpty() || op.equals("LINK") && at.size() == 1
                    || op.equals("CGROUP_MKDIR") && at.size() == 2 || op.equals("BPF_ATTACH") || op.equals("CLONE")) at.add(i);
        }
        assertTrue(at.size() >= 4, String.join("\n", steps));
        boolean viaStop = false;
        for (int n : at) {
            var pb = new ProcessBuilder(TestHost.LAUNCHER.toAbsolutePath().toString(), "--start", cache(g).toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("VSERVER_RUNDIR", host.rundir.toString());
            pb.environment().put("VSERVER_CONFDIR", host.confdir.toString());
            pb.environment().put("VSERVER_LAUNCHER_PAUSE_STEP", Integer.toString(n));
            Process supervisor = pb.start();
            List<ProcessHandle> stopped = awaitStopped(supervisor.toHandle());
            assertFalse(stopped.isEmpty(), "the launcher paused at step " + n);
            // kill -9 of everything the start made, the supervising launcher first (else it would
            // see its worker die and undo the start itself): as a crash of the machine would leave it
            List<ProcessHandle> rest = supervisor.toHandle().descendants().toList();
            supervisor.destroyForcibly();
            assertTrue(supervisor.waitFor(10, TimeUnit.SECONDS));
            rest.forEach(ProcessHandle::destroyForcibly);
            assertTrue(Files.exists(host.rundir.resolve(g + ".journal")), "the killed start left its journal (step " + n + ")");
            // the next command undoes it: a stop, or a start (which then runs)
            if (viaStop) {
                host.cli("vserver", g, "stop");
            } else {
                var start = host.cli("vserver", g, "start");
                assertEquals(0, start.code(), "step " + n + ": " + start);
                assertEquals(g + "\n", host.sh(g, "hostname"));
                assertEquals(0, host.cli("vserver", g, "stop").code());
            }
            viaStop = !viaStop;
            host.assertNothingLeftOf(g);
            assertEquals(List.of(), host.cgroupDirs(), "cgroups left after a kill at step " + n);
        }
    }

    /** The launcher's processes once one of them has stopped itself (VSERVER_LAUNCHER_PAUSE_STEP). */
    private static List<ProcessHandle> awaitStopped(ProcessHandle supervisor) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> stopped = supervisor.descendants().filter(PlanCacheIT::isStopped).toList();
            if (!stopped.isEmpty()) return stopped;
            Thread.sleep(5);
        }
        return List.of();
    }

    private static boolean isStopped(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"), StandardCharsets.UTF_8);
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    @Test
    void theCacheIsRootsAloneAndAnUntrustedOneIsNotRun() throws Exception {
        String g = host.build("pc-trust");
        host.start(g);
        host.stop(g);
        for (Path p : new Path[] {cache(g), cache(g).getParent()}) {
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
            assertEquals(0, (int) Files.getAttribute(p, "unix:uid"), p.toString());
        }
        // a plan others could have written is not run, even with a current key: java compiles anew
        Files.setPosixFilePermissions(cache(g).resolve("start.plan"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals("current", check(g));
        var refused = launcher(Map.of(), "--start", cache(g).toString());
        assertEquals(124, refused.code(), refused.toString());
        host.assertNothingLeftOf(g);
        assertEquals(0, host.cli("vserver", g, "start").code());
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cache(g).resolve("start.plan"))), "rewritten by the compile");
        // and a stop file others could write is not run either: java stops the guest
        Path stopFile = host.rundir.resolve(g).resolve("stop");
        Files.setPosixFilePermissions(stopFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(124, launcher(Map.of(), "--stop", host.rundir.resolve(g).toString()).code());
        assertTrue(host.guests.running(g).isPresent());
        assertEquals(0, host.cli("vserver", g, "stop").code());
        host.assertNothingLeftOf(g);
    }

    /**
     * The status the launcher prints from the start's compiled template is the one java words,
     * line for line (uptime, memory and CPU periods move between the two calls: their form is compared). Once
     * vlimit changes the live settings, java answers again.
     */
    @Test
    void statusWithoutJavaSaysWhatJavaSays() throws Exception {
        String g = host.build("pc-status");
        host.config(g, "cflags", "sched_hard\n");
        host.config(g, "sched/fill-rate", "1\n");
        host.config(g, "sched/interval", "4\n");
        host.config(g, "rlimits/rss.hard", "16384\n");
        host.config(g, "rlimits/nofile", "256\n");
        assertEquals(0, host.cli("vserver", g, "start").code());             // the CLI compiles status too
        Path run = host.rundir.resolve(g);
        assertTrue(Files.isRegularFile(run.resolve("status")), "the start linked the compiled status");
        var alone = launcher(Map.of(), "--status", run.toString());
        assertEquals(0, alone.code(), alone.toString());
        Files.move(run.resolve("status"), host.root.resolve("status.aside"));
        var java = host.cli("vserver", g, "status");
        Files.move(host.root.resolve("status.aside"), run.resolve("status"));
        assertEquals(0, java.code(), java.toString());
        List<String> a = alone.out().lines().toList(), j = java.out().lines().toList();
        assertEquals(j.size(), a.size(), "launcher:\n" + alone.out() + "java:\n" + java.out());
        for (int i = 0; i < a.size(); i++) {
            if (j.get(i).startsWith("Uptime: ") || j.get(i).startsWith("Memory: ") || j.get(i).startsWith("CPU: ")) {
                String form = j.get(i).replaceAll("[0-9]+", "N");
                assertEquals(form, a.get(i).replaceAll("[0-9]+", "N"), "line " + i);
            } else {
                assertEquals(j.get(i), a.get(i), "line " + i);
            }
        }
        assertTrue(alone.out().contains("Scheduler: sched_hard") && alone.out().contains("rss hard 16384 pages (guest)"), alone.out());
        var own = host.cli("vserver", g, "status");
        assertEquals(0, own.code(), "bin/vserver's own status: " + own);

        var vlimit = host.cli("vlimit", "--xid", g, "--nproc", "200");
        assertEquals(0, vlimit.code(), vlimit.toString());
        assertFalse(Files.exists(run.resolve("status")), "vlimit took the compiled status away");
        var changed = host.cli("vserver", g, "status");
        assertTrue(changed.out().contains("nproc 200 (changed since start)"), changed.out());
        assertEquals(0, host.cli("vserver", g, "stop").code());
        assertEquals(124, launcher(Map.of(), "--status", run.toString()).code(), "a stopped guest is java's to say");
        assertEquals(3, host.cli("vserver", g, "status").code());
        host.assertNothingLeftOf(g);
    }

    @Test
    void deleteRemovesTheCompiledPlan() throws Exception {
        String g = host.build("pc-delete");
        host.start(g);
        host.stop(g);
        assertTrue(Files.isDirectory(cache(g)));
        var r = host.cli("vserver", g, "delete");
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(host.cacheDir.resolve(g)), "the guest's cache went with it");
    }
}
