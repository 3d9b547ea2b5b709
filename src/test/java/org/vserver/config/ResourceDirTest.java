package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.kernel.CpuList;
import org.vserver.limits.Cpuset;
import org.vserver.limits.IoNice;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;
import org.vserver.limits.Sched;
import org.vserver.limits.TokenBucket;
import org.vserver.kernel.Rlimit;

class ResourceDirTest {
    @TempDir Path root;

    private Path g() { return root.resolve("g"); }

    private ResourceConfig read() throws ConfigException { return read(g()); }

    private ResourceConfig read(Path dir) throws ConfigException {
        return ResourceDir.read(new ConfigFiles(dir, root.resolve(".defaults")));
    }

    private void put(String rel, String text) { Fixture.put(g(), rel, text); }

    private void assertError(String rel, int line, String message) {
        var e = assertThrows(ConfigException.class, this::read);
        Path file = rel.isEmpty() ? g() : g().resolve(rel);
        assertEquals(file + (line > 0 ? ":" + line : "") + ": " + message, e.getMessage());
    }

    private static final TokenBucket D = TokenBucket.DEFAULTS;

    @Test void nothingConfigured() throws Exception {
        Files.createDirectories(g());
        assertEquals(ResourceConfig.NONE, read());
    }

    @Test void defaultsAreNotUsed() throws Exception {
        Files.createDirectories(g());
        Fixture.put(root.resolve(".defaults"), "sched/fill-rate", "2\n");
        Fixture.put(root.resolve(".defaults"), "rlimits/nproc", "10\n");
        assertEquals(ResourceConfig.NONE, read());
    }

    // ---- sched

    @Test void schedTopLevelAndPerCpu() throws Exception {
        put("sched/fill-rate", "2\n");
        put("sched/interval", "10\n");
        put("sched/tokens", "100\n");
        put("sched/tokens-min", "10\n");
        put("sched/tokens-max", "200\n");
        put("sched/priority-bias", "-5\n");
        put("sched/fill-rate2", "3\n");
        put("sched/interval2", "6\n");
        put("sched/idle-time", "whatever\n");
        put("sched/a/cpu-id", "1\n");
        put("sched/a/bucket-id", "7\n");
        put("sched/a/fill-rate", "5\n");
        put("sched/b/cpu-id", "3\n");
        var top = new TokenBucket(2, 10, 100, 10, 200, -5, true, 3, 6);
        var perCpu = new TreeMap<Integer, TokenBucket>(Map.of(1, new TokenBucket(5, 10, 100, 10, 200, -5, true, 3, 6), 3, top));
        assertEquals(new Sched(top, perCpu, false, false, false), read().sched());
        assertEquals(top, read().sched().forCpu(0));
    }

    @Test void missingValuesAreTheDefaults() throws Exception {
        put("sched/fill-rate", "2\n");
        assertEquals(new TokenBucket(2, D.interval(), D.tokens(), D.tokensMin(), D.tokensMax(), 0, false, 1, 8), read().sched().bucket());
    }

    @Test void perCpuIdleTime() throws Exception {
        put("sched/x/cpu-id", "0\n");
        put("sched/x/idle-time", "");
        assertFalse(read().sched().bucket().idleTime());
        assertTrue(read().sched().forCpu(0).idleTime());
    }

    @Test void legacySchedule() throws Exception {
        put("schedule", "2\n8\n100\n10\n300\n3\n");
        assertEquals(new TokenBucket(2, 8, 100, 10, 300, 3, false, 1, 8), read().sched().bucket());
        put("schedule", "2\n8\n");
        assertEquals(new TokenBucket(2, 8, D.tokens(), D.tokensMin(), D.tokensMax(), 0, false, 1, 8), read().sched().bucket());
        Files.createDirectories(g().resolve("sched"));
        assertEquals(D, read().sched().bucket(), "schedule is ignored once sched/ exists");
    }

    @Test void legacyScheduleErrors() {
        put("schedule", "2\n8\n100\n10\n300\n3\n\n7\n");
        assertError("schedule", 8, "extra line (the schedule file has 6: fill-rate, interval, tokens, tokens-min, tokens-max, prio-bias)");
        put("schedule", "2\n\n");
        assertError("schedule", 2, "empty line (expected interval, an integer)");
        put("schedule", "2\n8\n100\n10\n300\n30\n");
        assertError("schedule", 6, "priority-bias 30 is outside -20..20");
        put("schedule", "9\n8\n");
        assertError("schedule", 1, "fill-rate 9 is more than interval 8: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
    }

    @Test void schedValueErrors() {
        put("sched/tokens", "many\n");
        assertError("sched/tokens", 1, "invalid tokens 'many' (expected an integer)");
        put("sched/tokens", "99999999999\n");
        assertError("sched/tokens", 1, "invalid tokens '99999999999' (expected an integer)");
        put("sched/tokens", "\n");
        assertError("sched/tokens", 1, "empty value");
    }

    @Test void schedRuleErrorsNameTheFile() throws Exception {
        put("sched/tokens-min", "600\n");
        assertError("sched/tokens-min", 1, "tokens-min 600 is more than tokens-max 500");
        put("sched/tokens-min", "2\n");
        put("sched/tokens-max", "0\n");
        assertError("sched/tokens-max", 1, "tokens-max 0 is below 1 (expected at least 1)");
        put("sched/tokens-max", "5\n");
        put("sched/tokens", "6\n");
        assertError("sched/tokens", 1, "tokens 6 is outside 0..tokens-max (5)");
        java.nio.file.Files.delete(g().resolve("sched/tokens"));
        put("sched/tokens-max", "500\n");
        put("sched/idle-time", "");
        put("sched/fill-rate2", "0\n");
        assertError("sched/fill-rate2", 1, "fill-rate2 0 is below 1 (expected at least 1 with idle-time)");
        put("sched/fill-rate2", "1\n");
        put("sched/interval2", "0\n");
        assertError("sched/interval2", 1, "interval2 0 is below 1 (expected at least 1 with idle-time)");
    }

    @Test void unsetFillLevelsFollowASmallBucket() throws Exception {
        put("sched/tokens-max", "40\n");
        TokenBucket b = read().sched().bucket();
        assertEquals(40, b.tokens());
        assertEquals(40, b.tokensMin());
        put("sched/tokens-min", "50\n");
        assertError("sched/tokens-min", 1, "tokens-min 50 is more than tokens-max 40");
    }

    @Test void perCpuErrors() {
        put("sched/interval", "2\n");
        put("sched/a/cpu-id", "0\n");
        put("sched/a/fill-rate", "3\n");
        assertError("sched/a/fill-rate", 1, "fill-rate 3 is more than interval 2: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
        put("sched/a/fill-rate", "1\n");
        put("sched/b/bucket-id", "1\n");
        assertError("sched/b", 0, "per-CPU scheduler directory has no 'cpu-id' file (expected the CPU number in it)");
        put("sched/b/cpu-id", "0\n");
        assertError("sched/b/cpu-id", 1, "CPU 0 already has its values in sched/a (one directory per CPU)");
        put("sched/b/cpu-id", "-1\n");
        assertError("sched/b/cpu-id", 1, "invalid cpu-id '-1' (expected a CPU number 0..8191)");
    }

    @Test void perCpuInheritedValueNamesTheTopLevelFile() {
        put("sched/fill-rate", "4\n");
        put("sched/a/cpu-id", "0\n");
        put("sched/a/interval", "3\n");
        assertError("sched/a/interval", 1, "fill-rate 4 is more than interval 3: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
        put("sched/a/interval", "8\n");
        put("sched/a/tokens-max", "100\n");
        put("sched/tokens", "200\n");
        assertError("sched/a/tokens-max", 1, "tokens 200 is outside 0..tokens-max (100)");
        put("sched/a/tokens-max", "500\n");
        put("sched/fill-rate2", "0\n");                 // fine at the top level, which has no idle-time
        put("sched/a/idle-time", "");
        assertError("sched/a/idle-time", 0, "fill-rate2 0 is below 1 (expected at least 1 with idle-time)");
        Fixture.put(g(), "sched/a/idle-time", "").toFile().delete();
        put("sched/b/cpu-id", "1\n");
        put("sched/b/idle-time", "");
        put("sched/b/fill-rate2", "2\n");
        put("sched/interval2", "1\n");                   // inherited from the top level
        put("sched/fill-rate2", "1\n");
        assertError("sched/b/fill-rate2", 1, "fill-rate2 2 is more than interval2 1: that is more than one CPU's time per CPU (expected fill-rate2 <= interval2)");
    }

    // ---- cflags

    @Test void cflags() throws Exception {
        put("cflags", "# scheduler\nSCHED_HARD\n\nvirt_mem, sched_prio\nfakeinit\n");
        Sched s = read().sched();
        assertTrue(s.hard());
        assertTrue(s.prio());
        assertFalse(s.pause());
        put("cflags", "lock,nproc,private,hideinfo,ulimit,namespace,virt_uptime,virt_cpu,virt_load,virt_time,hide_mount,"
                + "hide_netif,hide_vinfo,state_setup,state_init,state_admin,sc_helper,reboot_kill,persistent,fork_rss,"
                + "prolific,igneg_nice,igneg_ionice,default,secure\n");
        assertEquals(Sched.NONE, read().sched());
    }

    @Test void oldFlagsFileOnlyWithoutCflags() throws Exception {
        put("flags", "sched_pause\n");
        assertTrue(read().sched().pause());
        put("cflags", "sched_hard\n");
        assertFalse(read().sched().pause());
        assertTrue(read().sched().hard());
    }

    @Test void unknownFlag() {
        put("cflags", "sched_hard\nvirt_mem, sched_turbo\n");
        var e = assertThrows(ConfigException.class, this::read);
        assertTrue(e.getMessage().startsWith(g().resolve("cflags") + ":2: unknown context flag 'sched_turbo' (expected one of: sched_hard, "), e.getMessage());
    }

    // ---- cpuset

    @Test void cpuset() throws Exception {
        put("cpuset/cpus", "0-3,6\n");
        put("cpuset/mems", "0\n");
        put("cpuset/cpu_exclusive", "");
        put("cpuset/mem_exclusive", "no\n");
        put("cpuset/name", "web\n");
        put("cpuset/nocreate", "");
        put("cpuset/virtualized", "");
        assertEquals(new Cpuset(Optional.of(CpuList.parse("0-3,6")), Optional.of(CpuList.parse("0")), true, false), read().cpuset());
        for (String on : List.of("1", "true", "YES")) {
            put("cpuset/mem_exclusive", on + "\n");
            assertTrue(read().cpuset().memExclusive(), on);
        }
    }

    @Test void cpusetErrors() {
        put("cpuset/cpus", "0-x\n");
        assertError("cpuset/cpus", 1, "invalid CPU list '0-x': bad item '0-x' (expected N or N-M) (expected the kernel's list format, e.g. 0-3,5)");
        put("cpuset/cpus", "\n");
        assertError("cpuset/cpus", 1, "empty CPU list (expected the kernel's list format, e.g. 0-3,5)");
        put("cpuset/cpus", "1\n");
        put("cpuset/mems", "3-1\n");
        assertError("cpuset/mems", 1, "invalid memory node list '3-1': bad range '3-1' (expected the kernel's list format, e.g. 0-3,5)");
        put("cpuset/mems", "0\n");
        put("cpuset/cpu_exclusive", "maybe\n");
        assertError("cpuset/cpu_exclusive", 1, "invalid value 'maybe' (expected 1, 0, true, false, yes or no)");
    }

    // ---- rlimits, ulimits

    @Test void rlimits() throws Exception {
        put("rlimits/nproc", "100\n");
        put("rlimits/nproc.soft", "50\n");
        put("rlimits/rss.hard", "64M\n");
        put("rlimits/rss.min", "1k\n");
        put("rlimits/as", "inf\n");
        var c = read();
        assertEquals(new Limit(OptionalLong.of(50), OptionalLong.of(100), OptionalLong.empty()), c.rlimit(Resource.NPROC));
        assertEquals(new Limit(OptionalLong.empty(), OptionalLong.of(64L << 20), OptionalLong.of(1000)), c.rlimit(Resource.RSS));
        assertEquals(Limit.both(Limit.INFINITY), c.rlimit(Resource.AS));
        assertEquals(3, c.rlimits().size());
    }

    @Test void rlimitErrors() {
        put("rlimits/nproc.max", "1\n");
        var e = assertThrows(ConfigException.class, this::read);
        assertTrue(e.getMessage().startsWith(g().resolve("rlimits/nproc.max") + ": unknown resource 'nproc.max' (expected one of cpu fsize"), e.getMessage());
        assertTrue(e.getMessage().endsWith(" dentry, alone or with .soft, .hard, .min)"), e.getMessage());
        Fixture.put(g(), "rlimits/nproc.max", "").toFile().delete();
        put("rlimits/nofile.soft", "lots\n");
        assertError("rlimits/nofile.soft", 1, "invalid limit 'lots' (expected a number, optionally with k/m/g (x1000) or K/M/G (x1024), or inf)");
        put("rlimits/nofile.soft", "\n");
        assertError("rlimits/nofile.soft", 1, "empty value");
        put("rlimits/nofile.soft", "2048\n");
        put("rlimits/nofile", "1024\n");
        assertError("rlimits/nofile.soft", 1, "soft limit 2048 is above the hard limit 1024");
    }

    @Test void ulimits() throws Exception {
        put("ulimits/nofile", "1K\n");
        put("ulimits/core.soft", "0\n");
        put("ulimits/rtprio.hard", "inf\n");
        var c = read();
        assertEquals(Map.of(Rlimit.NOFILE, Limit.both(1024), Rlimit.CORE, Limit.NONE.withSoft(0),
                Rlimit.RTPRIO, Limit.NONE.withHard(Limit.INFINITY)), c.ulimits());
        put("ulimits/core.min", "0\n");
        var e = assertThrows(ConfigException.class, this::read);
        assertTrue(e.getMessage().startsWith(g().resolve("ulimits/core.min") + ": unknown resource 'core.min'"), e.getMessage());
        assertTrue(e.getMessage().endsWith(", alone or with .soft, .hard)"), e.getMessage());
    }

    // ---- ionice

    @Test void ionice() throws Exception {
        put("ionice/class", "idle\n");
        assertEquals(Optional.of(new IoNice(IoNice.IDLE, 4)), read().ionice());
        put("ionice/class", "none\n");
        put("ionice/priority", "0\n");
        assertEquals(Optional.of(new IoNice(IoNice.BEST_EFFORT, 0)), read().ionice());
        Fixture.put(g(), "ionice/class", "").toFile().delete();
        put("ionice/priority", "7\n");
        assertEquals(Optional.of(new IoNice(IoNice.BEST_EFFORT, 7)), read().ionice());
        put("ionice/class", "1\n");
        assertEquals(Optional.of(new IoNice(IoNice.REALTIME, 7)), read().ionice());
    }

    @Test void ioniceErrors() {
        put("ionice/class", "4\n");
        assertError("ionice/class", 1, "invalid I/O class '4' (expected 1 realtime, 2 best-effort or 3 idle)");
        put("ionice/class", "2\n");
        put("ionice/priority", "8\n");
        assertError("ionice/priority", 1, "invalid I/O priority '8' (expected 0 (highest) .. 7)");
    }

    // ---- write

    private static ResourceConfig full() {
        var top = new TokenBucket(2, 10, 100, 10, 200, -5, true, 3, 6);
        var sched = new Sched(top, new TreeMap<>(Map.of(1, new TokenBucket(5, 10, 0, 1, 1, 20, true, 1, 1))), true, false, true);
        return new ResourceConfig(sched, new Cpuset(Optional.of(CpuList.parse("0-1")), Optional.of(CpuList.parse("0")), true, true),
                Map.of(Resource.NPROC, Limit.both(100), Resource.RSS, new Limit(OptionalLong.empty(), OptionalLong.of(Limit.INFINITY), OptionalLong.of(5))),
                Map.of(Rlimit.NOFILE, Limit.NONE.withSoft(1024).withHard(4096)), Optional.of(new IoNice(IoNice.IDLE, 7)));
    }

    @Test void writeReadsBack() throws Exception {
        Path live = root.resolve("live");
        for (ResourceConfig c : List.of(ResourceConfig.NONE, full())) {
            Path d = live.resolve(Integer.toString(c.hashCode()));
            ResourceDir.write(c, d);
            assertEquals(c, read(d));
        }
    }

    @Test void rewriteRemovesWhatIsNoLongerSet() throws Exception {
        Path d = root.resolve("live");
        ResourceDir.write(full(), d);
        Fixture.put(d, "rlimits/nproc", "7\n");          // as an admin would write it
        Fixture.put(d, "sched/other/cpu-id", "2\n");
        Fixture.put(d, "cpuset/name", "keep\n");          // not ours: left alone
        ResourceDir.write(ResourceConfig.NONE, d);
        assertEquals(ResourceConfig.NONE, read(d));
        assertFalse(Files.exists(d.resolve("sched/1")));
        assertFalse(Files.exists(d.resolve("sched/other")));
        assertFalse(Files.exists(d.resolve("sched/idle-time")));
        assertEquals("keep\n", Fixture.read(d.resolve("cpuset/name")));
        var changed = full().withRlimit(Resource.NPROC, Limit.NONE.withHard(3));
        ResourceDir.write(changed, d);
        assertEquals(changed, read(d));
        assertFalse(Files.exists(d.resolve("rlimits/nproc.soft")));
    }

    @Test void perCpuIdleOffUnderIdleOnCannotBeWritten() {
        var top = D.withIdle(true);
        var s = new Sched(top, new TreeMap<>(Map.of(0, D)), false, false, false);
        var e = assertThrows(IllegalArgumentException.class, () -> ResourceDir.write(ResourceConfig.NONE.withSched(s), root.resolve("x")));
        assertEquals("CPU 0: idle-time off while the guest-wide idle-time is on cannot be stored in sched/ (a per-CPU directory inherits the flag)", e.getMessage());
    }
}
