package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.vserver.testsupport.RequiresRoot;

/**
 * A hostile guest root prepares its own tree for the admin's next routine command (issue 11, part
 * A): links at mount points and a directory swapped for a link while the guest starts. The host
 * keeps a secret and an empty directory beside the guest roots (in the test's private root,
 * outside every guest); the guest must never read the one or write into the other, and its `/`
 * must stay its own.
 */
@RequiresRoot("starts real guests")
class HostileTreeIT {
    static TestHost host;
    /** A file only the host has; the planted rc script tries to read it through "/..". */
    static Path secret;
    /** A host directory of the running test: the planted rc script, and the swap race, try to write into it. */
    static Path hostDir;

    static final Path SWAPPER_SOURCE = TestHost.BASEDIR.resolve("src/test/c/rename_swapper.c");
    static final Path SWAPPER = TestHost.BASEDIR.resolve("target/rename_swapper");

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        secret = host.root.resolve("host-secret");
        Files.writeString(secret, "host-only-" + host.id + "\n");
    }

    @BeforeEach
    void hostDirectory(TestInfo test) throws Exception {
        hostDir = Files.createDirectory(host.root.resolve("host-dir-" + test.getTestMethod().orElseThrow().getName()));
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    static Path vdir(String guest) { return host.guestsDir.resolve(guest); }

    /**
     * The attacker's rc script, run by the guest's init at every start: through "/.." (the host's
     * root, if it is stacked on the guest's) it copies the secret and writes into the host
     * directory; then it leaves a mark that it ran.
     */
    static void plantRcScript(String guest) throws Exception {
        Path s = vdir(guest).resolve("etc/rc3.d/S99x");
        Files.writeString(s, "#!/bin/sh\n"
                + "cat '/.." + secret + "' > /root/leak 2>/dev/null\n"
                + "echo pwned > '/.." + hostDir + "/pwned' 2>/dev/null\n"
                + "ls / > /root/root-listing\n"
                + "touch /root/s99x-ran\n");
        assertTrue(s.toFile().setExecutable(true, false));
    }

    /** The guest's root as the host sees it: what `ls /` must list inside. */
    static Set<String> guestRoot(String guest) throws Exception {
        Set<String> s = new TreeSet<>();
        try (var l = Files.list(vdir(guest))) {
            l.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(s::add);
        }
        return s;
    }

    static Set<String> listing(String text) { return new TreeSet<>(HostProbe.lines(text)); }

    /** Waits for the planted rc script of a started guest to have run (the sysv rc runs at start). */
    static void awaitRcScript(String guest) throws Exception {
        Path mark = vdir(guest).resolve("root/s99x-ran");
        for (int i = 0; i < 100 && !Files.exists(mark); i++) Thread.sleep(100);
    }

    /**
     * Ends a guest that should not have started. Not with `stop`: if the host's root is stacked on
     * the guest's, its stop command (/etc/init.d/rc 6) would run in the host's root and take down
     * the host's services; the guest's processes are killed through its cgroup instead.
     */
    static void stopWithoutItsStopCommand(String guest) throws Exception {
        host.guests.cleanup(guest);
    }

    /** Nothing of the guest reached the host: no file in the host directory, no secret in the guest. */
    static void assertHostUntouched(String guest) throws Exception {
        try (var l = Files.list(hostDir)) {
            assertEquals(List.of(), l.toList(), "the guest wrote into the host directory " + hostDir);
        }
        Path leak = vdir(guest).resolve("root/leak");
        if (Files.exists(leak))
            assertFalse(Files.readString(leak).contains("host-only-"), "the guest read the host's " + secret + " through /..");
    }

    /** The fstab attack: `mnt/scratch -> /` planted by guest root, then a tmpfs line for /mnt/scratch. */
    @Test
    void aMountTargetLinkedToTheRootIsRefusedAndTheHostStaysOut() throws Exception {
        String g = host.build("ht-fstab");
        host.start(g);
        try {
            host.sh(g, "mkdir -p /mnt && ln -s / /mnt/scratch");          // as guest root
        } finally {
            host.stop(g);
        }
        plantRcScript(g);
        String fstab = Files.readString(host.confdir.resolve(g).resolve("fstab"));
        host.config(g, "fstab", fstab + "none /mnt/scratch tmpfs size=1m 0 0\n");   // the admin's routine change

        TestHost.Result r = host.cli("vserver", g, "start");
        if (r.code() == 0) {
            // The start went through: whatever it mounted must have stayed inside the guest.
            awaitRcScript(g);
            assertHostUntouched(g);
            assertEquals(guestRoot(g), listing(host.sh(g, "ls /")), "`vserver " + g + " exec ls /` lists the guest's root");
            stopWithoutItsStopCommand(g);
            fail("the start mounted through the guest's link /mnt/scratch -> / and was not refused:\n" + r);
        }
        System.out.println("fstab attack, start refused:\n" + r.err());
        assertTrue(r.err().contains("/mnt/scratch") && r.err().contains("is a symbolic link in the guest's tree"),
                "a clear message naming the link:\n" + r);
        assertFalse(r.err().contains("Exception"), r.err());
        assertTrue(host.guests.running(g).isEmpty(), "no half-started guest");
        host.assertNothingLeftOf(g);
        assertHostUntouched(g);

        // Without the line the guest starts, its rc script finds nothing of the host, and exec sees the guest's /.
        host.config(g, "fstab", fstab);
        host.start(g);
        try {
            awaitRcScript(g);
            assertTrue(Files.exists(vdir(g).resolve("root/s99x-ran")), "the planted rc script ran");
            assertHostUntouched(g);
            assertEquals(guestRoot(g), listing(host.sh(g, "ls /")), "`vserver " + g + " exec ls /` lists the guest's root");
            assertEquals(guestRoot(g), listing(Files.readString(vdir(g).resolve("root/root-listing"))), "the init's / is the guest's root");
            Set<String> hostRoot = new TreeSet<>();
            try (var l = Files.list(Path.of("/"))) {
                l.forEach(p -> hostRoot.add(p.getFileName().toString()));
            }
            assertNotEquals(hostRoot, guestRoot(g), "(the host's / looks different, so the comparison means something)");
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    /**
     * The clone-source attack: a tree with `tmp -> /`, where the default fstab mounts a tmpfs at every
     * start. The clone refuses it; a guest whose own tree has it (planted after its build) does not start.
     */
    @Test
    void aTreeWithTmpLinkedToTheRootIsRefusedByCloneAndStart() throws Exception {
        String src = host.build("ht-src");
        Path tmp = vdir(src).resolve("tmp");
        Files.delete(tmp);
        Files.createSymbolicLink(tmp, Path.of("/"));
        plantRcScript(src);

        String g = "ht-clone";
        TestHost.Result r = host.cli("vserver", g, "build", "-m", "clone", "--", "--source", vdir(src).toString());
        if (r.code() == 0) {
            host.config(g, "fstab", Files.readString(host.confdir.resolve(src).resolve("fstab")));
            TestHost.Result started = host.cli("vserver", g, "start");
            if (started.code() == 0) {
                awaitRcScript(g);
                assertHostUntouched(g);
                assertEquals(guestRoot(g), listing(host.sh(g, "ls /")), "`vserver " + g + " exec ls /` lists the clone's root");
                stopWithoutItsStopCommand(g);
            }
            fail("the clone of a tree with tmp -> / was built:\n" + r + "\nand its start:\n" + started);
        }
        System.out.println("clone of tmp -> /, build refused:\n" + r.err());
        assertTrue(r.err().contains("tmp: a link to / where the guest mounts /tmp at every start")
                && r.err().contains("replace the link with a directory"), "a clear message naming the link:\n" + r);
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(host.confdir.resolve(g)), "no configuration of the refused clone");
        assertFalse(Files.exists(vdir(g)), "no tree of the refused clone");

        TestHost.Result started = host.cli("vserver", src, "start");
        if (started.code() == 0) {
            awaitRcScript(src);
            assertHostUntouched(src);
            stopWithoutItsStopCommand(src);
            fail("a guest whose /tmp is a link to / was started:\n" + started);
        }
        System.out.println("tmp -> / in the guest's own tree, start refused:\n" + started.err());
        assertTrue(started.err().contains("`/tmp` is a symbolic link in the guest's tree"),
                "a clear message naming /tmp:\n" + started);
        host.assertNothingLeftOf(src);
        assertHostUntouched(src);
    }

    /**
     * The MKDIR race: while the guest starts again and again, a swapper exchanges the directory of a
     * mount target with a link to a host directory. The launcher's mkdir and mount of /race/sub must
     * never land in the host directory (before the fix: 93 times in 200).
     */
    @Test
    void aDirectorySwappedForALinkDuringStartsNeverLeadsToTheHost() throws Exception {
        String g = host.build("ht-race");
        Path race = Files.createDirectory(vdir(g).resolve("race")), link = vdir(g).resolve("race-link");
        Files.createSymbolicLink(link, hostDir);
        String fstab = Files.readString(host.confdir.resolve(g).resolve("fstab"));
        host.config(g, "fstab", fstab + "none /race/sub tmpfs size=1m 0 0\n");

        Path out = host.root.resolve("swapper.out");
        Process swapper = new ProcessBuilder(swapper().toString(), race.toString(), link.toString()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        int started = 0, refused = 0, i = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        String swaps;
        try {
            for (int w = 0; w < 50 && Files.size(out) == 0; w++) Thread.sleep(100);
            assertEquals("swapping", Files.readString(out).strip(), "the swapper started");
            for (; i < 60 && System.nanoTime() < deadline; i++) {
                try {
                    host.start(g);
                    started++;
                    host.stop(g);
                } catch (Exception e) {
                    refused++;                                            // the race made the start fail: fine, if it left nothing
                    if (host.guests.running(g).isPresent()) host.stop(g);
                }
                try (var l = Files.list(hostDir)) {
                    List<Path> made = l.toList();
                    if (!made.isEmpty()) fail("start " + (i + 1) + " made " + made + " in the host directory (" + started
                            + " started, " + refused + " refused so far)");
                }
            }
        } finally {
            swapper.destroy();
            swapper.waitFor(10, TimeUnit.SECONDS);
            swaps = Files.readString(out).replaceFirst("^swapping\n", "").strip();
        }
        System.out.println("swap race: " + i + " starts, " + started + " started, " + refused + " refused, " + swaps);
        assertTrue(swaps.matches("\\d+ swaps") && Long.parseLong(swaps.split(" ")[0]) > 1000, "the swapper ran: " + swaps);
        assertTrue(i >= 20, "enough starts in the time: " + i);
        host.assertNothingLeftOf(g);
        assertHostUntouched(g);
    }

    /** target/rename_swapper, compiled from src/test/c/rename_swapper.c when older than its source. */
    static synchronized Path swapper() throws Exception {
        if (Files.exists(SWAPPER) && Files.getLastModifiedTime(SWAPPER).compareTo(Files.getLastModifiedTime(SWAPPER_SOURCE)) > 0)
            return SWAPPER;
        TestHost.Result r = HostProbe.run("gcc", "-O2", "-Wall", "-o", SWAPPER.toString(), SWAPPER_SOURCE.toString());
        assertEquals(0, r.code(), "gcc could not build " + SWAPPER_SOURCE + ":\n" + r);
        return SWAPPER;
    }
}
