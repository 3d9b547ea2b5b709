package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.testsupport.Owners.owner;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vserver.config.ConfigException;
import org.vserver.testsupport.RequiresRoot;

/**
 * A guest root on a filesystem that refuses idmapped mounts: the TestHost's vdirbase is an
 * overlayfs (which refuses to be idmapped itself, EINVAL), so the build shifts the guest's files
 * once to its range (userns/shifted) and the start binds its root plainly; its root is still
 * root inside and owns its files. A guest built before user namespaces is shifted at the start that
 * gives it its range. A shifted guest with userns/disabled, or with another range than its files
 * carry, is refused. Nothing stays mounted.
 */
@RequiresRoot("mounts an overlayfs over a TestHost's vdirbase and starts guests on it")
class ShiftedRootIT {

    @Test
    void aGuestOnOverlayfsIsShiftedOnceAndItsRootOwnsItsFiles() throws Exception {
        TestHost host = new TestHost();
        Path layers = Files.createDirectories(host.root.resolve("overlay"));
        Path lower = Files.createDirectories(layers.resolve("lower")), upper = Files.createDirectories(layers.resolve("upper")),
                work = Files.createDirectories(layers.resolve("work"));
        // the merged root takes the upper directory's mode: the vdirbase's barrier (mode 000)
        Files.setPosixFilePermissions(upper, PosixFilePermissions.fromString("---------"));
        sh("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work,
                host.guestsDir.toString());
        try {
            String g = host.build("web");
            Path vdir = host.guestsDir.resolve(g), marker = host.confdir.resolve(g).resolve("userns/shifted");
            long first = Long.parseLong(Files.readString(host.confdir.resolve(g).resolve("userns/uidmap")).split("\\s+")[0]);
            assertEquals(first, Long.parseLong(Files.readString(host.confdir.resolve(g).resolve("userns/gidmap")).split("\\s+")[0]));
            String said = host.errBytes.toString(StandardCharsets.UTF_8);
            assertTrue(said.contains("vserver: the filesystem of " + vdir + " refuses idmapped mounts (EINVAL): its files were shifted once"
                    + " to host ids " + first + ".. (" + marker + ")"), said);
            assertTrue(Files.exists(marker) && Files.size(marker) == 0, "the marker");
            assertEquals(first + ":" + first, owner(vdir));
            assertEquals(first + ":" + first, owner(vdir.resolve("etc/passwd")));
            assertEquals(List.of(), outsideRange(vdir, first), "every file of the tree carries the range's ids");

            host.start(g);
            assertEquals("0\n0 0\n", host.sh(g, "id -u; stat -c '%u %g' /etc/passwd"), "root inside, owning its files");
            host.sh(g, "echo hello > /root/new");
            assertEquals((first) + ":" + first, owner(vdir.resolve("root/new")), "written by guest root: its host ids");
            host.stop(g);
            assertEquals(1, count(host.errBytes.toString(StandardCharsets.UTF_8), "refuses idmapped mounts"), "shifted once");

            // a guest built before user namespaces: host ids on disk, no range; its first start shifts it
            String old = host.build("old");
            Path oldVdir = host.guestsDir.resolve(old);
            var back = host.cli("chxid", "-c", "0", "-R", "-x", oldVdir.toString());
            assertEquals(0, back.code(), back.toString());
            assertEquals("0:0", owner(oldVdir.resolve("etc/passwd")), "shifted back");
            for (String f : List.of("userns/shifted", "userns/uidmap", "userns/gidmap")) Files.delete(host.confdir.resolve(old).resolve(f));
            host.start(old);
            long oldFirst = Long.parseLong(Files.readString(host.confdir.resolve(old).resolve("userns/uidmap")).split("\\s+")[0]);
            assertTrue(Files.exists(host.confdir.resolve(old).resolve("userns/shifted")));
            assertEquals(List.of(), outsideRange(oldVdir, oldFirst));
            assertEquals("0\n", host.sh(old, "stat -c %u /etc/passwd"));
            host.stop(old);
            assertEquals(3, count(host.errBytes.toString(StandardCharsets.UTF_8), "refuses idmapped mounts"), "web, old, old");

            // userns/disabled on a shifted guest: its root would see foreign owners; refused, naming the way back
            host.config(g, "userns/disabled", "");
            var e = assertThrows(ConfigException.class, () -> host.start(g));
            assertTrue(e.getMessage().contains(marker.toString()) && e.getMessage().contains("chxid -c 0 -R -x " + vdir), e.getMessage());
            assertTrue(host.guests.running(g).isEmpty());
            Files.delete(host.confdir.resolve(g).resolve("userns/disabled"));

            // another range than the files carry: refused too, naming the marker
            long other = first + 10 * 65536;
            host.config(g, "userns/uidmap", other + " 65536\n");
            host.config(g, "userns/gidmap", other + " 65536\n");
            e = assertThrows(ConfigException.class, () -> host.start(g));
            assertTrue(e.getMessage().startsWith(marker + ": " + vdir + " is owned by host uid " + first + ", gid " + first
                    + ", outside the guest's range") && e.getMessage().contains("the range changed"), e.getMessage());
            host.config(g, "userns/uidmap", first + " 65536\n");
            host.config(g, "userns/gidmap", first + " 65536\n");
            host.start(g);
            assertEquals("0\n", host.sh(g, "id -u"), "the range back: it starts again");
            host.stop(g);
        } finally {
            try {
                for (String name : host.vs.state().names()) host.stop(name);
            } finally {
                sh("umount", host.guestsDir.toString());
                host.close();                        // no mount, cgroup or process left
            }
        }
    }

    /** Files (links themselves) of {@code tree} whose uid or gid is outside {@code first}..+65535. */
    private static List<String> outsideRange(Path tree, long first) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                long uid = Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                long gid = Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
                if (uid < first || uid >= first + 65536 || gid < first || gid >= first + 65536) out.add(p + " " + uid + ":" + gid);
            }
        }
        return out.size() > 10 ? out.subList(0, 10) : out;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
