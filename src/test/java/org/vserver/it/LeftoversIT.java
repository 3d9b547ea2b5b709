package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * "Nothing is left": after a normal stop, after a start that failed half-way (the init missing, a
 * bind mount of a missing directory) and after a start refused for bad configuration, which must
 * not even have created the run directory or the cgroup. {@link TestHost#close} checks the whole
 * run once more: no mount, cgroup or run state of this host.
 */
@RequiresRoot("starts real guests")
class LeftoversIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    @Test
    void aNormalStopLeavesNothing() throws Exception {
        String g = host.build("left-normal");
        var start = host.cli("vserver", g, "start");
        assertEquals(0, start.code(), start.toString());
        assertTrue(host.vs.cgroups().exists(g), "a running guest has its cgroup");
        assertTrue(Files.isRegularFile(host.rundir.resolve(g).resolve("state")), "a running guest has its state file");
        assertEquals("left-normal\n", host.sh(g, "hostname"));
        var stop = host.cli("vserver", g, "stop");
        assertEquals(0, stop.code(), stop.toString());
        host.assertNothingLeftOf(g);
    }

    @Test
    void aMissingInitFailsTheStartAndLeavesNothing() throws Exception {
        String g = host.build("left-noinit");
        host.config(g, "apps/init/style", "plain\n");
        host.config(g, "apps/init/cmd.start", "/nonexistent/init\n");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertOneLineWithoutStackTrace(r);
        assertTrue(r.err().contains("execve"), "names the call: " + r.err());
        assertTrue(r.err().contains("/nonexistent/init"), "names the path: " + r.err());
        assertTrue(r.err().contains("ENOENT"), "names the errno: " + r.err());
        host.assertNothingLeftOf(g);
        assertFalse(host.guests.running(g).isPresent());
        assertEquals(3, host.cli("vserver", g, "status").code(), "the guest is stopped");
    }

    @Test
    void aBindMountOfAMissingDirectoryFailsTheStartAndLeavesNothing() throws Exception {
        String g = host.build("left-nobind");
        Path missing = host.root.resolve("no-such-source");
        String fstab = Files.readString(host.confdir.resolve(g).resolve("fstab"));
        host.config(g, "fstab", fstab + missing + " /home none bind 0 0\n");
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertOneLineWithoutStackTrace(r);
        assertTrue(r.err().contains("mount"), "names the call: " + r.err());
        assertTrue(r.err().contains(missing.toString()), "names the missing source: " + r.err());
        assertTrue(r.err().contains("ENOENT"), "names the errno: " + r.err());
        host.assertNothingLeftOf(g);
        assertFalse(Files.exists(missing), "the start did not create the source");
    }

    @Test
    void badConfigurationIsRefusedWithFileAndLineBeforeAnythingIsCreated() throws Exception {
        String g = host.build("left-badcfg");
        Path cfg = host.confdir.resolve(g);
        String fstab = Files.readString(cfg.resolve("fstab"));
        int fstabLines = (int) fstab.lines().count();
        String context = Files.readString(cfg.resolve("context"));

        host.config(g, "fstab", fstab + "none /x\n");
        refused(g, cfg.resolve("fstab") + ":" + (fstabLines + 1) + ": ", "2 fields");
        host.config(g, "fstab", fstab);

        host.config(g, "context", "abc\n");
        refused(g, cfg.resolve("context") + ":1: ", "'abc'");
        host.config(g, "context", context);

        host.config(g, "nice", "99\n");
        refused(g, cfg.resolve("nice") + ":1: ", "'99'");
        Files.delete(cfg.resolve("nice"));

        host.config(g, "bcapabilities", "CHOWN\nNO_SUCH_CAP\n");
        refused(g, cfg.resolve("bcapabilities") + ":2: ", "NO_SUCH_CAP");
        Files.delete(cfg.resolve("bcapabilities"));

        // and the repaired guest starts
        var start = host.cli("vserver", g, "start");
        assertEquals(0, start.code(), start.toString());
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    @Test
    void aMissingGuestRootIsNamed() throws Exception {
        String g = host.build("left-noroot");
        Path vdir = host.guestsDir.resolve(g);
        Path aside = host.root.resolve("aside-" + g);
        Files.move(vdir, aside);
        try {
            boolean rundirBefore = Files.exists(host.rundir);
            var r = host.cli("vserver", g, "start");
            assertEquals(1, r.code(), r.toString());
            assertOneLineWithoutStackTrace(r);
            assertTrue(r.err().contains("guest root " + vdir + " does not exist"), r.err());
            assertNothingCreated(g, rundirBefore);
        } finally {
            Files.move(aside, vdir);
        }
    }

    /** `vserver g start` fails with one line that starts with {@code where} (file:line: ) and mentions {@code what}. */
    private static void refused(String g, String where, String what) throws Exception {
        boolean rundirBefore = Files.exists(host.rundir);
        var r = host.cli("vserver", g, "start");
        assertEquals(1, r.code(), r.toString());
        assertOneLineWithoutStackTrace(r);
        assertTrue(r.err().contains(where), "names file and line (" + where + "): " + r.err());
        assertTrue(r.err().contains(what), "says what is wrong (" + what + "): " + r.err());
        assertNothingCreated(g, rundirBefore);
    }

    /** Not even the run directory, the lock or the cgroup: the configuration is read before anything is touched. */
    private static void assertNothingCreated(String g, boolean rundirBefore) throws Exception {
        if (!rundirBefore) assertFalse(Files.exists(host.rundir), "run directory created: " + host.rundir);
        if (Files.exists(host.rundir))
            try (var s = Files.list(host.rundir)) {
                assertEquals(java.util.List.of(), s.filter(p -> p.getFileName().toString().startsWith(g)).toList(),
                        "run state of " + g);
            }
        assertFalse(host.vs.cgroups().exists(g), "cgroup created: " + host.cgroupDirs());
        assertEquals(java.util.List.of(), host.cgroupDirs(), "cgroups of this host");
        host.assertNothingLeftOf(g);
    }

    private static void assertOneLineWithoutStackTrace(TestHost.Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "a stack trace:\n" + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line of error:\n" + r.err());
        assertEquals("", r.out(), "nothing on stdout");
    }
}
