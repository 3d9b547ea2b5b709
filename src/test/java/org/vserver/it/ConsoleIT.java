package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vserver.testsupport.RequiresRoot;

/**
 * The guest's console (issue 11, items 11 and 12): a regular file in the guest's own /dev tmpfs,
 * capped by console/size, the init's stdout and stderr, read by the admin with `vserver NAME
 * console`; and a guest's mountinfo that names neither the run directory nor the console's host path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@RequiresRoot("starts real guests")
class ConsoleIT {
    static final long CAP = 1 << 20;            // the default console/size
    static final String FLOOD = "200M";

    static TestHost host;
    static String g;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("con");
        // The sysv rc writes to the init's stdout, the console: a greeting, 200 MB, a line after the
        // flood, and leaves a service behind that keeps writing to the stdout it inherited.
        Path rc = host.guestsDir.resolve(g).resolve("etc/rc3.d");
        Files.createDirectories(rc);
        script(rc.resolve("S10hello"), "echo hello from rc 3");
        script(rc.resolve("S20flood"), "yes flood | head -c " + FLOOD);
        script(rc.resolve("S30after"), "echo after the flood");
        script(rc.resolve("S40ticker"), "(while :; do echo tick; sleep 0.3; done) &\necho $! > /tmp/ticker.pid; echo done > /tmp/rc-done");
        host.start(g);
        awaitRc();
    }

    static void script(Path p, String body) throws Exception {
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Waits until the rc has run every script (the init's writes are asynchronous to start). */
    static void awaitRc() throws Exception {
        for (int i = 0; i < 600; i++) {
            if (host.cli("vserver", g, "exec", "test", "-e", "/tmp/rc-done").code() == 0) return;
            Thread.sleep(100);
        }
        throw new AssertionError("the guest's rc did not finish in 60 s");
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    /** Bytes of every file below the host's run directory (the guests' run state). */
    static long runDirBytes() throws Exception {
        try (Stream<Path> s = Files.walk(host.rundir)) {
            long sum = 0;
            for (Path p : (Iterable<Path>) s::iterator) if (Files.isRegularFile(p)) sum += Files.size(p);
            return sum;
        }
    }

    @Test
    @Order(1)
    void theAdminReadsTheInitsOutputWithVserverConsole() throws Exception {
        var r = host.cli("vserver", g, "console");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("hello from rc 3\nflood\nflood\n"), "the rc's output: " + head(r.out()));
        assertFalse(r.out().contains("after the flood"), "the line after the flood met a full console");
    }

    @Test
    @Order(2)
    void aFloodFillsTheGuestsCappedConsoleAndNothingOfTheHost() throws Exception {
        // The rc flooded the init's stdout; now a guest process floods /dev/console, and the rc's
        // service its stdout (the init's console, inherited: /proc/PID/fd/1 opens the same file).
        var r = host.cli("vserver", g, "exec", "/bin/sh", "-c", "for f in /dev/console /proc/$(cat /tmp/ticker.pid)/fd/1; do "
                + "yes flood | head -c " + FLOOD + " >> $f; echo \"$? $f\"; done");
        long bytes = runDirBytes();
        assertTrue(bytes < 64 * 1024, "the run directory holds " + bytes + " bytes after the guest wrote 600 MB to its console");
        assertEquals(List.of("1 /dev/console", "1 /proc/"), r.out().lines().map(l -> l.replaceAll("[0-9]+/fd/1$", "")).toList(),
                "every flood stops at the cap: " + r);
        assertTrue(r.err().contains("No space left on device"), r.toString());

        assertTrue(host.guests.running(g).isPresent(), "the guest still runs");
        assertEquals("alive\n", host.sh(g, "echo alive"));
        long size = Long.parseLong(host.sh(g, "stat -c %s /dev/console").strip());
        assertTrue(size <= CAP && size > CAP - 4096, "the console holds " + size + " bytes, the cap is " + CAP);
        var console = host.cli("vserver", g, "console");
        assertEquals(0, console.code(), console.err());
        assertEquals(size, console.out().length(), "console prints the whole file");
        assertTrue(console.out().startsWith("hello from rc 3\nflood\n"), head(console.out()));

        // Full: a later write fails inside the guest (its own problem), until the admin clears the console.
        var later = host.cli("vserver", g, "exec", "/bin/sh", "-c", "/bin/echo later >> /dev/console");
        assertTrue(later.code() != 0 && later.err().contains("No space left on device"), later.toString());
        var clear = host.cli("vserver", g, "console", "--clear");
        assertEquals(0, clear.code(), clear.toString());
        assertEquals("", clear.out());
        host.sh(g, "echo later >> /dev/console");
        String after = host.cli("vserver", g, "console").out();
        assertTrue(after.length() < 4096 && after.contains("later\n"), "after --clear, writes land at the top: " + head(after));
        Thread.sleep(1000);
        assertTrue(host.cli("vserver", g, "console").out().contains("tick\n"), "the service's stdout writes again");
    }

    /** Item 12: the guest's mount table names no run directory and no console file of the host. */
    @Test
    @Order(3)
    void theGuestsMountinfoNamesNoHostPath() throws Exception {
        // pid 1 is the launcher's reaper, not dumpable: the rc's service stands for the init's side
        String out = host.sh(g, "cat /proc/self/mountinfo; echo ===; t=$(cat /tmp/ticker.pid); cat /proc/$t/mountinfo; echo ===; "
                + "readlink /proc/$t/fd/1 /proc/$t/fd/2");
        String[] parts = out.split("===\n");
        String rundir = host.rundir.toString(), vdir = host.guestsDir.resolve(g).toString(), base = host.root.toString();
        List<String> leaks = new ArrayList<>();
        for (String text : List.of(parts[0], parts[1]))
            for (HostProbe.Mount m : HostProbe.mountinfo(text)) {
                String line = m.toString();
                // The one path no mount option can hide: the root mount's root field is VDIRBASE/NAME,
                // because the guest root is a bind mount of a directory of the host's filesystem
                // (mainline prints a mount's root as its path inside the filesystem). Nowhere else.
                boolean rootField = m.point().equals("/") && m.root().equals(vdir);
                String rest = rootField ? line.replace("root=" + vdir, "") : line;
                if ((rest.contains(rundir) || rest.contains(base) || m.point().equals("/dev/console")) && !leaks.contains(line))
                    leaks.add(line);
            }
        assertEquals(List.of(), leaks, "mounts of the guest that name a host path of this run");
        assertEquals("/dev/console\n/dev/console\n", parts[2], "the rc's stdout and stderr are the guest's own /dev/console");
        // and seen from the host, the init's (ExecIT checks the same for every guest)
        for (int fd : new int[] {1, 2})
            assertEquals("/dev/console", Files.readSymbolicLink(Path.of("/proc/" + host.initPid(g) + "/fd/" + fd)).toString());
        HostProbe.Mount dev = HostProbe.mountinfo(parts[0]).stream().filter(m -> m.point().equals("/dev")).reduce((a, b) -> b).orElseThrow();
        assertEquals("tmpfs", dev.fsType());
        assertTrue(dev.superOptionList().contains("size=1024k"), "the /dev tmpfs is the console's cap: " + dev);
    }

    /**
     * The guest owns /dev/console and may replace it: the host's read never leaves the guest's tree
     * (a symlink to a host file is refused, not followed), and a FIFO cannot hold it.
     */
    @Test
    @Order(4)
    void aReplacedConsoleIsNeitherFollowedNorWaitedFor() throws Exception {
        Path secret = host.root.resolve("host-secret");
        Files.writeString(secret, "host secret\n");
        host.sh(g, "ln /dev/console /dev/console.kept");                   // the same inode, for the rc's service
        try {
            for (String swap : List.of("ln -s " + secret + " /dev/console", "ln -s ../../../../../../.." + secret + " /dev/console",
                    "mkfifo /dev/console")) {
                host.sh(g, "rm -f /dev/console; " + swap);
                var r = host.cli("vserver", g, "console");
                assertEquals(1, r.code(), swap + ": " + r);
                assertFalse(r.out().contains("host secret"), swap + ": " + r);
                assertTrue(r.err().contains("/dev/console"), r.toString());
            }
        } finally {
            host.sh(g, "rm -f /dev/console; ln /dev/console.kept /dev/console; rm /dev/console.kept");
        }
        assertEquals(0, host.cli("vserver", g, "console").code());
    }

    /** --follow streams what the guest writes and ends when the guest stops. */
    @Test
    @Order(5)
    void followStreamsUntilTheGuestStops() throws Exception {
        Process follow = host.spawnIn(null, "vserver", g, "console", "--follow");
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(follow.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            host.sh(g, "echo followed >> /dev/console");
            int ticks = 0;
            boolean followed = false;
            for (String l; (l = out.readLine()) != null && !(followed && ticks >= 2); ) {
                if (l.equals("followed")) followed = true;
                if (followed && l.equals("tick")) ticks++;
            }
            assertTrue(followed && ticks >= 2, "--follow printed the new line and then the service's ticks");
            host.stop(g);
            assertTrue(follow.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "--follow ends with the guest");
            assertEquals(0, follow.exitValue());
        } finally {
            follow.destroyForcibly();
        }
    }

    /** console/size of the guest, else of .defaults, caps the /dev tmpfs: the console never holds more. */
    @Test
    @Order(6)
    void theCapIsConsoleSizeOfTheGuestOrOfDefaults() throws Exception {
        for (var c : List.of(new String[] {".defaults", "128K", "131072", "size=128k"}, new String[] {g, "64K", "65536", "size=64k"})) {
            host.config(c[0], "console/size", c[1] + "\n");
            host.start(g);
            awaitRc();
            var r = host.cli("vserver", g, "exec", "/bin/sh", "-c", "stat -c %s /dev/console; grep ' /dev ' /proc/self/mountinfo");
            assertEquals(0, r.code(), r.toString());
            assertEquals(c[2], r.out().lines().findFirst().orElseThrow(), "the console is full at console/size " + c[1] + ": " + r);
            assertTrue(r.out().contains(c[3]), r.out());
            host.stop(g);
        }
    }

    static String head(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
