package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.cgroup.CgroupLimits;
import org.vserver.cgroup.CgroupManager;
import org.vserver.cgroup.Counters;
import org.vserver.config.ConfigRoot;
import org.vserver.config.ConfigWriter;
import org.vserver.fs.BuildException;
import org.vserver.state.StateDir;
import org.vserver.kernel.CpuList;
import org.vserver.sys.ProcFs;

/** Which guests a clone source touches, and that each is locked, frozen and thawed as it should be. */
class CloneSourceTest {
    @TempDir Path tmp;
    Path base;
    FakeCgroups cgroups;
    Guests guests;
    final List<String> progress = new ArrayList<>();

    /** The freezer as the kernel keeps it: per guest, processes and a frozen flag; no freezer at all if {@code hasFreezer} is false. */
    static final class FakeCgroups implements CgroupManager {
        @Override public List<Path> delegationFiles(String guest) { throw new AssertionError(); }
        final Map<String, List<Integer>> procs = new HashMap<>();
        final Map<String, Boolean> frozen = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        boolean hasFreezer = true;

        @Override public boolean exists(String guest) { return procs.containsKey(guest); }
        @Override public List<Integer> processes(String guest) { return procs.getOrDefault(guest, List.of()); }
        @Override public void freeze(String guest, boolean f) {
            calls.add((f ? "freeze " : "thaw ") + guest);
            if (hasFreezer) frozen.put(guest, f);
        }
        @Override public Counters counters(String guest) {
            return new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, frozen.getOrDefault(guest, false));
        }
        @Override public String version() { return "cgroup v1"; }
        @Override public void create(String guest) { throw new AssertionError(); }
        @Override public StartSteps startSteps(String guest, CgroupLimits limits) { throw new AssertionError(); }
        @Override public List<String> freezeControl(String guest) { throw new AssertionError(); }
        @Override public List<String> statusTemplate(String guest) { throw new AssertionError(); }
        @Override public void addProcess(String guest, int pid) { throw new AssertionError(); }
        @Override public List<Path> procsFiles(String guest) { throw new AssertionError(); }
        @Override public List<String> apply(String guest, CgroupLimits limits) { throw new AssertionError(); }
        @Override public java.util.SequencedMap<String, String> settings(String guest) { throw new AssertionError(); }
        @Override public CpuList cpus() { throw new AssertionError(); }
        @Override public Usage usage(String guest) { throw new AssertionError(); }
        @Override public void remove(String guest) { throw new AssertionError(); }
        @Override public void removeParent() { throw new AssertionError(); }
        @Override public java.util.Optional<Path> bpfDir(String guest) { throw new AssertionError(); }
    }

    @BeforeEach
    void host() throws Exception {
        ConfigRoot root = new ConfigRoot(tmp.resolve("etc"));
        base = Files.createDirectories(tmp.resolve("guests"));
        Files.createDirectories(root.defaultsDir());
        Files.createSymbolicLink(root.defaultsDir().resolve("vdirbase"), base);
        for (String g : List.of("a", "b")) {
            Files.createDirectories(base.resolve(g).resolve("srv"));
            ConfigWriter.create(root, new ConfigWriter.NewGuest(g, OptionalInt.of(g.equals("a") ? 40001 : 40002), g, "plain",
                    List.of(), List.of(), base.resolve(g)));
        }
        cgroups = new FakeCgroups();
        var quiet = new PrintStream(new ByteArrayOutputStream(), true);
        guests = new Guests(new Vserver(root, new StateDir(tmp.resolve("run")), "vservers-test", cgroups,
                new RecordingSyscalls(), ProcFs.host(), null, Map.of(), quiet, quiet));
    }

    @Test
    void theGuestsWhoseTreeOverlapsTheSource() throws Exception {
        assertEquals(List.of("a"), CloneSource.overlapping(guests, base.resolve("a")));
        assertEquals(List.of("a"), CloneSource.overlapping(guests, base.resolve("a/srv")), "a directory inside a guest");
        assertEquals(List.of("a", "b"), CloneSource.overlapping(guests, base), "a directory with guests inside");
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertEquals(List.of(), CloneSource.overlapping(guests, plain), "a plain directory: no guest can race the copy");
        Path viaLink = Files.createSymbolicLink(tmp.resolve("link"), base.resolve("b"));
        assertEquals(List.of("b"), CloneSource.overlapping(guests, viaLink), "links resolved");
    }

    @Test
    void aRunningGuestIsFrozenForTheCopyAndThawedAfter() throws Exception {
        cgroups.procs.put("a", List.of(42));
        try (CloneSource held = CloneSource.hold(guests, base.resolve("a"), progress::add)) {
            assertEquals(List.of("freeze a"), cgroups.calls);
            assertTrue(Files.exists(guests.vserver().state().lockFile("a")), "its lock is held: no start, stop or vsched meanwhile");
        }
        assertEquals(List.of("freeze a", "thaw a"), cgroups.calls);
        assertFalse(Files.exists(guests.vserver().state().lockFile("a")), "the lock is released");
        assertEquals(List.of("freezing guest a for the copy; it runs again when the copy is done"), progress);
    }

    @Test
    void aStoppedGuestIsOnlyLocked() throws Exception {
        try (CloneSource held = CloneSource.hold(guests, base.resolve("b"), progress::add)) {
            assertTrue(Files.exists(guests.vserver().state().lockFile("b")));
        }
        assertEquals(List.of(), cgroups.calls);
    }

    @Test
    void aPausedGuestStaysPaused() throws Exception {
        cgroups.procs.put("a", List.of(42));
        cgroups.frozen.put("a", true);          // vsched --flag sched_pause
        try (CloneSource held = CloneSource.hold(guests, base.resolve("a"), progress::add)) {
            assertEquals(List.of(), cgroups.calls);
        }
        assertEquals(List.of(), cgroups.calls, "not thawed: the admin paused it");
        assertTrue(cgroups.frozen.get("a"));
    }

    @Test
    void withoutAFreezerARunningGuestIsNotCopied() throws Exception {
        cgroups.procs.put("a", List.of(42));
        cgroups.hasFreezer = false;
        BuildException e = assertThrows(BuildException.class, () -> CloneSource.hold(guests, base.resolve("a"), progress::add));
        assertEquals("build -m clone: guest a is running and this host has no cgroup freezer to hold it still during the copy"
                + " (cgroup v1): a running guest's processes could swap its files for links to host files while they are"
                + " copied; stop it first (vserver a stop), or mount the freezer controller", e.getMessage());
        assertEquals(List.of("freeze a", "thaw a"), cgroups.calls, "what was tried is undone");
        assertFalse(Files.exists(guests.vserver().state().lockFile("a")), "the lock is released");
    }

    @Test
    void everyOverlappingGuestIsHeldInNameOrder() throws Exception {
        cgroups.procs.put("a", List.of(42));
        cgroups.procs.put("b", List.of(43));
        try (CloneSource held = CloneSource.hold(guests, base, progress::add)) {
            assertEquals(List.of("freeze a", "freeze b"), cgroups.calls);
        }
        assertEquals(List.of("freeze a", "freeze b", "thaw b", "thaw a"), cgroups.calls);
    }
}
