package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * VServer's virt_* views on real guests: what free, nproc, uptime, top, ps and a JVM see inside a
 * limited guest, lxcfs started on demand and its death survived, and the views turned off.
 */
@RequiresRoot("starts real guests")
class ViewsIT {
    /** rlimits/rss.hard in pages: 64 MiB. */
    static final long RSS_PAGES = 16384, LIMIT = RSS_PAGES * 4096;

    TestHost host;

    @BeforeEach
    void setUp() throws Exception { host = new TestHost(); }

    @AfterEach
    void tearDown() throws Exception { if (host != null) host.close(); }

    /** A guest with an rss limit, a cpuset of one CPU (the last) and half a CPU's quota. */
    String limited(String name) throws Exception {
        String g = host.build(name);
        host.config(g, "rlimits/rss.hard", RSS_PAGES + "\n");
        host.config(g, "cpuset/cpus", (Runtime.getRuntime().availableProcessors() - 1) + "\n");
        host.config(g, "cflags", "sched_hard\n");
        host.config(g, "sched/fill-rate", "1\n");
        host.config(g, "sched/interval", "2\n");
        host.config(g, "sched/tokens-min", "1\n");
        return g;
    }

    @Test
    void aLimitedGuestSeesItsOwnFigures() throws Exception {
        String g = limited("views");
        var dl = host.cli("vdlimit", "--xid", g, "--set", "space_total=64M");
        assertEquals(0, dl.code(), dl.toString());
        long before = System.currentTimeMillis();
        host.start(g);
        assertTrue(host.lxcfsPid() > 0, "the start started an lxcfs for the views");
        String[] free = host.sh(g, "free -b | sed -n 2p").trim().split("\\s+");
        assertEquals(Long.toString(LIMIT), free[1], "free's total is the limit: " + Arrays.toString(free));
        assertEquals("1", host.sh(g, "nproc").strip(), "nproc: the cpuset");
        assertEquals("1", host.sh(g, "grep -c ^processor /proc/cpuinfo").strip(), "cpuinfo: the cpuset");
        assertEquals("0", host.sh(g, "cat /sys/devices/system/cpu/online").strip(), "sysconf's online CPUs: one");
        assertEquals("1", host.sh(g, "getconf _NPROCESSORS_ONLN").strip());
        double up = Double.parseDouble(host.sh(g, "cut -d' ' -f1 /proc/uptime").strip());
        double age = (System.currentTimeMillis() - before) / 1000.0;
        assertTrue(up < age + 2, "uptime " + up + " s, guest age " + age + " s");
        // btime and the processes' start times agree: ps dates its own start to now, not to the host's boot
        long btime = Long.parseLong(host.sh(g, "sed -n 's/^btime //p' /proc/stat").strip());
        assertTrue(Math.abs(btime * 1000 - before) < 5000, "btime is the guest's start: " + btime + " vs " + before / 1000);
        String etimes = host.sh(g, "ps -o etimes= -p 1").strip();
        assertTrue(Long.parseLong(etimes) < age + 2, "ps: the init's age " + etimes);
        String[] df = host.sh(g, "df -k / | tail -1").trim().split("\\s+");
        assertTrue(Long.parseLong(df[1]) > 40_000 && Long.parseLong(df[1]) <= 65536, "df / shows the disk limit: " + Arrays.toString(df));
        String top = host.sh(g, "top -bn1 | head -5");
        assertTrue(top.contains("64.0 total"), "top's memory is the limit:\n" + top);
        String load = host.sh(g, "cat /proc/loadavg");
        assertTrue(load.matches("(?s)\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+/\\d+ \\d+\\s*"), load);
        // the guest's JVM sizes itself from them
        var put = host.cliWithInput("class ViewProbe { public static void main(String[] a) { Runtime r = Runtime.getRuntime();"
                + " System.out.println(r.availableProcessors() + \" \" + r.maxMemory()); } }\n",
                "vserver", g, "exec", "/bin/sh", "-c", "cat > /etc/ViewProbe.java");
        assertEquals(0, put.code(), put.toString());
        String java = Path.of(System.getProperty("java.home")).resolve("bin/java").toString();
        String[] jvm = host.sh(g, java + " -Xshare:off /etc/ViewProbe.java").strip().split(" ");
        assertEquals("1", jvm[0], "availableProcessors");
        assertTrue(Long.parseLong(jvm[1]) <= LIMIT, "maxMemory " + jvm[1] + " within the limit " + LIMIT);
        assertTrue(host.cli("vserver", g, "status").out().contains("Views: virt_mem virt_uptime virt_load virt_cpu (lxcfs at "));
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void aDeadLxcfsLeavesTheGuestRunningWithTheHostsFigures() throws Exception {
        String g = limited("orphan");
        host.start(g);
        int init = host.initPid(g);
        int lxcfs = host.lxcfsPid();
        assertTrue(lxcfs > 0);
        new ProcessBuilder("kill", "-KILL", Integer.toString(lxcfs)).start().waitFor();
        // the monitor notices at once; give it the time a poll wakeup and a fork take
        String status = "";
        for (int i = 0; i < 100 && !status.contains("died"); i++) {
            Thread.sleep(50);
            status = host.cli("vserver", g, "status").out();
        }
        assertTrue(status.contains("lxcfs (pid " + lxcfs + ") died"), status);
        assertEquals(init, host.initPid(g), "the guest runs on");
        String[] free = host.sh(g, "free -b | sed -n 2p").trim().split("\\s+");
        assertTrue(Long.parseLong(free[1]) > LIMIT, "reads work, with the host's figures: " + Arrays.toString(free));
        assertEquals("", host.sh(g, "grep fuse.lxcfs /proc/self/mountinfo || true"), "its views are unmounted");
        assertTrue(host.cli("vserver", g, "log").out().contains("lxcfs (pid " + lxcfs + ") exited"));
        // the next start starts a new one (the dead mount detached first), and the restarted guest has its views
        host.stop(g);
        host.start(g);
        assertNotEquals(lxcfs, host.lxcfsPid());
        assertEquals(Long.toString(LIMIT), host.sh(g, "free -b | sed -n 2p").trim().split("\\s+")[1]);
        assertFalse(host.cli("vserver", g, "status").out().contains("died"));
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void viewsTurnOffPerGuestAndForTheHost() throws Exception {
        String g = limited("plain");
        host.config(g, "cflags", "sched_hard\n!virt_mem\n~virt_uptime\n");
        host.start(g);
        long total = Long.parseLong(host.sh(g, "free -b | sed -n 2p").trim().split("\\s+")[1]);
        assertTrue(total > LIMIT, "virt_mem off: the host's memory " + total);
        double up = Double.parseDouble(host.sh(g, "cut -d' ' -f1 /proc/uptime").strip());
        double hostUp = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertTrue(Math.abs(up - hostUp) < 5, "virt_uptime off: the host's uptime " + up + " vs " + hostUp);
        assertEquals("1", host.sh(g, "grep -c ^processor /proc/cpuinfo").strip(), "virt_cpu stays on");
        // without virt_uptime, /proc/stat is lxcfs's too: one cpu line
        assertEquals("1", host.sh(g, "grep -c '^cpu[0-9]' /proc/stat").strip());
        host.stop(g);
        // .defaults/cflags that names none: no views, no lxcfs for this guest
        Files.writeString(host.confdir.resolve(".defaults/cflags"), "\n");
        host.config(g, "cflags", "sched_hard\n");
        host.stopLxcfs();
        host.start(g);
        assertEquals(0, host.lxcfsPid(), "no view, no lxcfs");
        assertEquals("", host.sh(g, "grep fuse.lxcfs /proc/self/mountinfo || true"));
        assertTrue(host.cli("vserver", g, "status").out().contains("Views: none"));
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    /**
     * An lxcfs already serving the views' directory without --enable-loadavg (as Debian's unit
     * runs it): the start warns, naming virt_load, and the guest starts with the host's load; the
     * views that lxcfs serves stay on.
     */
    @Test
    void aViewTheRunningLxcfsCannotServeIsAWarningNamingIt() throws Exception {
        String g = limited("partial");
        Files.createDirectories(host.lxcfsDir);
        Files.createDirectories(host.rundir);
        // started as an admin (or a unit) would, its pid where close() finds and stops it
        Process admin = new ProcessBuilder("lxcfs", "-p", host.rundir.resolve(".lxcfs.pid").toString(), host.lxcfsDir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 250 && !Files.exists(host.lxcfsDir.resolve("proc/meminfo")); i++) Thread.sleep(20);
        assertTrue(Files.exists(host.lxcfsDir.resolve("proc/meminfo")), "lxcfs mounted");
        var r = host.cli("vserver", g, "start");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("virt_load: the lxcfs at " + host.lxcfsDir + " (pid " + admin.pid() + ") runs without -l|--enable-loadavg"),
                "names the view: " + r.err());
        assertTrue(r.err().contains("virt_cpu: "), "and virt_cpu (no --enable-cfs): " + r.err());
        assertEquals(admin.pid(), host.lxcfsPid(), "the running lxcfs is used, no second one started");
        assertEquals(Long.toString(LIMIT), host.sh(g, "free -b | sed -n 2p").trim().split("\\s+")[1], "virt_mem is served");
        assertEquals("", host.sh(g, "grep ' /proc/loadavg ' /proc/self/mountinfo || true"), "virt_load is not bound");
        host.stop(g);
        host.assertNothingLeftOf(g);
    }
}
