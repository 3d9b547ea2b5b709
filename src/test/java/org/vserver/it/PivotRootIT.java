package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The guest's root is a pivot_root with the old root detached (security.md §4.14, §4.15): the
 * chroot-and-".." escape ends in the guest, no mount of the old root is left, and the init's
 * root is the guest's directory.
 */
@RequiresRoot("starts real guests")
class PivotRootIT {
    static TestHost host;
    static String g;
    static Path vdir;
    /** A file only the host has: in the test's private root, beside the guest roots' directory. */
    static Path hostOnly;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        g = host.build("pivot");
        vdir = host.guestsDir.resolve(g);
        hostOnly = host.root.resolve("host-only-marker");
        Files.writeString(hostOnly, "host\n");
        Files.writeString(vdir.resolve("guest-marker"), "guest\n");
        host.start(g);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.closeAfterStopping(g); }

    static Set<String> names(Path dir) throws Exception {
        Set<String> s = new TreeSet<>();
        try (var l = Files.list(dir)) {
            l.forEach(p -> s.add(p.getFileName().toString()));
        }
        return s;
    }

    @Test
    void theChrootDotDotEscapeEndsInTheGuestsRoot() throws Exception {
        // The classic: chroot into a subdirectory without moving the cwd, climb "..", chroot("."). With
        // a plain chroot jail the cwd climbs out to the host's /; after pivot_root and the detach of the
        // old root, ".." of the guest's / is itself.
        String perl = "mkdir \"/tmp/x\"; chroot(\"/tmp/x\") or die \"chroot: $!\\n\"; chdir(\"..\") for 1..64; "
                + "chroot(\".\") or die \"chroot .: $!\\n\"; opendir(my $d, \"/\") or die \"opendir: $!\\n\"; "
                + "print \"$_\\n\" for sort grep { !/^\\.\\.?$/ } readdir($d); "
                + "print \"host-marker=\", (-e \"" + hostOnly + "\" ? \"yes\" : \"no\"), \"\\n\"; "
                + "print \"vdir=\", (-d \"" + vdir + "\" ? \"yes\" : \"no\"), \"\\n\";";
        var r = host.cli("vserver", g, "exec", "perl", "-e", perl);
        assertEquals(0, r.code(), r.toString());
        Set<String> listed = new TreeSet<>();
        for (String l : HostProbe.lines(r.out())) if (!l.contains("=")) listed.add(l);
        assertTrue(r.out().contains("host-marker=no"), "the host-only file is out of reach:\n" + r);
        assertTrue(r.out().contains("vdir=no"), "the guest root's host path does not exist from the guest:\n" + r);
        Set<String> guestRoot = names(vdir);
        assertTrue(guestRoot.contains("guest-marker"));
        assertEquals(guestRoot, listed, "after the escape attempt, / is the guest's root");
        assertNotEquals(names(Path.of("/")), listed, "(the host's / looks different, so the comparison means something)");
    }

    @Test
    void noMountOfTheOldRootIsLeftInside() throws Exception {
        var inside = HostProbe.mountinfo(host.sh(g, "cat /proc/self/mountinfo"));
        Set<Integer> ids = new TreeSet<>();
        for (var m : inside) ids.add(m.id());
        List<HostProbe.Mount> roots = inside.stream().filter(m -> m.point().equals("/")).toList();
        assertEquals(1, roots.size(), "one mount on /: " + roots);
        HostProbe.Mount root = roots.getFirst();
        assertFalse(ids.contains(root.parent()), "the root mount's parent (the old root) is gone");
        for (var m : inside) {
            if (m != root) assertTrue(ids.contains(m.parent()), "every other mount hangs below the guest root: " + m);
            assertTrue(m.point().startsWith("/"), m.toString());
            assertFalse(m.point().contains(host.root.toString()), "no mount point names a host path: " + m);
        }
        // The root mount is the guest's directory, seen through the host filesystem holding it.
        HostProbe.Mount holder = hostMountHolding(vdir);
        String rel = holder.point().equals("/") ? vdir.toString() : vdir.toString().substring(holder.point().length());
        String expectedRoot = (holder.root().equals("/") ? "" : holder.root()) + rel;
        assertEquals(holder.dev(), root.dev(), "the root mount is on the filesystem of the guest's directory");
        assertEquals(expectedRoot, root.root(), "the root mount is the guest's directory");
        // Nothing shows the host's root filesystem from its top: the old root would.
        HostProbe.Mount hostRoot = hostMountHolding(Path.of("/"));
        for (var m : inside)
            assertFalse(m.dev().equals(hostRoot.dev()) && m.root().equals(hostRoot.root()), "the host's / is mounted inside: " + m);
    }

    /** The host mount that holds {@code p}: the one with the longest mount point above it (the last of equals). */
    static HostProbe.Mount hostMountHolding(Path p) throws Exception {
        List<HostProbe.Mount> all = new ArrayList<>(HostProbe.mountinfo(Files.readString(Path.of("/proc/self/mountinfo"))));
        HostProbe.Mount best = null;
        for (var m : all) {
            String mp = m.point();
            boolean above = mp.equals("/") || p.toString().equals(mp) || p.toString().startsWith(mp + "/");
            if (above && (best == null || mp.length() >= best.point().length())) best = m;
        }
        return best;
    }

    @Test
    void theRootOfTheGuestsProcessesIsTheGuestsDirectory() throws Exception {
        int init = host.initPid(g);
        // From the host: the init's root is the guest's directory (same inode), and the host-only file is not under it.
        Path initRoot = Path.of("/proc/" + init + "/root");
        assertEquals("/", Files.readSymbolicLink(initRoot).toString());
        Object initKey = Files.readAttributes(initRoot.resolve("."), BasicFileAttributes.class).fileKey();
        assertEquals(Files.readAttributes(vdir, BasicFileAttributes.class).fileKey(), initKey, "the init's root is the guest's directory");
        assertTrue(Files.exists(Path.of(initRoot + "/guest-marker")));
        assertFalse(Files.exists(Path.of(initRoot + hostOnly.toString())), "the host-only file is not below the init's root");
        // From inside: a process's root is "/", the guest's directory. The init itself is the
        // launcher's reaper, which stays non-dumpable (CVE-2016-9962): guest root, without
        // CAP_SYS_PTRACE, may not follow /proc/1/root, and that is by design.
        String out = host.sh(g, "sleep 60 >/dev/null 2>&1 </dev/null & bg=$!; readlink /proc/self/root; readlink /proc/$bg/root; "
                + "stat -L -c '%d:%i' /proc/$bg/root/; stat -c '%d:%i' /; readlink -v /proc/1/root 2>&1; echo init-root=$?; kill $bg");
        List<String> l = HostProbe.lines(out);
        assertEquals("/", l.get(0), out);
        assertEquals("/", l.get(1), "a guest process's root is / inside:\n" + out);
        assertEquals(l.get(3), l.get(2), "the same directory as / inside");
        assertTrue(out.contains("Permission denied") && out.contains("init-root=1"), "/proc/1/root is closed to the guest:\n" + out);
        var st = HostProbe.ok("stat", "-c", "%d:%i", vdir.toString()).strip();
        assertEquals(st, l.get(3), "the guest's / is the guest's directory on the host");
    }
}
