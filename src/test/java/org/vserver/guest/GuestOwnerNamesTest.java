package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigRoot;
import org.vserver.config.GuestRanges;
import org.vserver.fs.GuestFiles;
import org.vserver.proc.OwnerColumns;
import org.vserver.proc.OwnerNames;
import org.vserver.proc.OwnerNames.GuestId;
import org.vserver.proc.OwnerNames.Kind;
import org.vserver.proc.UserNames;
import org.vserver.state.RunState;
import org.vserver.state.StateDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;

/**
 * The owner names of vps and vtop against a fixture host: a config root with the guests'
 * userns files, a run directory, a /proc whose guest inits have a {@code root} (a link to the
 * guest's tree, as the kernel's magic link leads there) and the real syscalls, so that the guest's
 * files are read exactly as on a host: through GuestFiles, openat2 RESOLVE_IN_ROOT.
 */
class GuestOwnerNamesTest {
    @TempDir Path tmp;
    Path host;                        // the host's own files, which no guest may lead the host to
    Vserver vs;
    int opened;

    static final String HOST_PASSWD = "root:x:0:0::/root:/bin/sh\nhostonly:x:1000001:1000001::/:/bin/sh\n";

    @BeforeEach
    void fixture() throws IOException {
        host = Files.createDirectories(tmp.resolve("host"));
        Files.writeString(host.resolve("passwd"), "secretuser:x:0:0::/:/bin/sh\nsecret33:x:33:33::/:/bin/sh\n");
        Files.writeString(host.resolve("shadow"), "shadowroot:$6$hash:19000:0:99999:7:::\nshadow33:*:33:0:99999:7:::\n");
        Path proc = Files.createDirectories(tmp.resolve("proc"));
        Files.createSymbolicLink(proc.resolve("self"), Path.of("/proc/self"));   // GuestFiles reopens through self/fd
        var quiet = new PrintStream(new ByteArrayOutputStream(), true);
        vs = new Vserver(new ConfigRoot(tmp.resolve("etc")), new StateDir(tmp.resolve("run")), "vservers", null,
                new LinuxSyscalls(), new ProcFs(proc), null, Map.of(), quiet, quiet);
    }

    /** A running guest with host ids from {@code first}; its tree has {@code etc/} with what {@code tree} puts there. */
    private Path guest(String name, long first, int init) throws IOException {
        Path cfg = Files.createDirectories(tmp.resolve("etc").resolve(name).resolve("userns"));
        Files.writeString(cfg.resolve("uidmap"), first + " 65536\n");
        Files.writeString(cfg.resolve("gidmap"), first + " 65536\n");
        Path root = Files.createDirectories(tmp.resolve("vservers").resolve(name));
        Path pid = Files.createDirectories(tmp.resolve("proc").resolve(Integer.toString(init)));
        Files.writeString(pid.resolve("stat"), String.format(Locale.ROOT,
                "%d (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %d 1000000 100 0 0 0 0\n", init, 4242));
        Files.createSymbolicLink(pid.resolve("root"), root);
        Files.createDirectories(tmp.resolve("run").resolve(name));
        new RunState(name, 49152 + init, init, 4242, 1_700_000_000_000L, "vservers").write(tmp.resolve("run").resolve(name).resolve("state"));
        return root;
    }

    private OwnerNames names() throws Exception {
        return GuestOwnerNames.of(vs, UserNames.parse(HOST_PASSWD), UserNames.parse("root:x:0:\n"));
    }

    @Test void hostIdsKeepTheHostsNamesAGuestsIdsTheGuests() throws Exception {
        Path web = guest("web", 1_000_000, 100);
        Files.createDirectories(web.resolve("etc"));
        Files.writeString(web.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n");
        Files.writeString(web.resolve("etc/group"), "root:x:0:\ntty:x:5:\n");
        OwnerNames n = names();
        assertEquals("root", n.name(Kind.USER, 0), "a host process: the host's name");
        assertEquals("65534", n.name(Kind.USER, 65534), "a host id the host does not name: its number");
        assertEquals("root", n.name(Kind.USER, 1_000_000));
        assertEquals(Optional.of(new GuestId("web", 33, "www-data")), n.ofGuest(Kind.USER, 1_000_033));
        assertEquals("1000", n.name(Kind.USER, 1_001_000), "no entry in the guest's passwd: the guest's own number");
        assertEquals("4", n.name(Kind.USER, 1_000_004));
        assertEquals("1", n.name(Kind.USER, 1_000_001), "the host's name of an id in a guest's range does not count");
        assertEquals("tty", n.name(Kind.GROUP, 1_000_005));
        assertEquals("7", n.name(Kind.GROUP, 1_000_007));
        assertEquals("1065536", n.name(Kind.USER, 1_065_536), "past the range: a host id");
    }

    @Test void aGuestsLinksAreNotFollowedOutOfItsTree() throws Exception {
        Path a = guest("shadowlink", 2_000_000, 200);
        Files.createDirectories(a.resolve("etc"));
        Files.createSymbolicLink(a.resolve("etc/passwd"), host.resolve("shadow"));
        Files.createSymbolicLink(a.resolve("etc/group"), host.resolve("passwd"));
        Path b = guest("etclink", 3_000_000, 300);
        Files.createSymbolicLink(b.resolve("etc"), host);                        // the whole /etc: resolves in the guest
        Path c = guest("inside", 4_000_000, 400);
        Files.createDirectories(c.resolve("etc"));
        Files.writeString(c.resolve("etc/shadow"), "root:*:0:0:99999:7:::\n");
        Files.createSymbolicLink(c.resolve("etc/passwd"), Path.of("/etc/shadow"));  // even the guest's own: a link is refused
        Path d = guest("noentries", 5_000_000, 500);
        Files.createDirectories(d.resolve("etc"));
        Files.writeString(d.resolve("etc/passwd"), "x".repeat(10) + "\n");
        OwnerNames n = names();
        for (long first : new long[] {2_000_000, 3_000_000, 4_000_000}) {
            assertEquals("0", n.name(Kind.USER, first), "numbers for " + first);
            assertEquals("33", n.name(Kind.USER, first + 33));
            assertEquals("0", n.name(Kind.GROUP, first));
        }
        assertEquals("0", n.name(Kind.USER, 5_000_000), "a passwd without entries: numbers");
    }

    @Test void aGuestNotRunningOrWithoutFilesShowsNumbers() throws Exception {
        guest("stopped", 6_000_000, 600);
        Files.writeString(tmp.resolve("proc/600/stat"),
                "600 (init) Z 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0 0 0 0 0\n");
        guest("bare", 7_000_000, 700);                                          // no etc/ at all
        OwnerNames n = names();
        assertEquals("0", n.name(Kind.USER, 6_000_000));
        assertEquals("12", n.name(Kind.USER, 7_000_012));
    }

    @Test void psOutputOfAGuestInItsOwnNames() throws Exception {
        Path web = guest("web", 1_000_000, 100);
        Files.createDirectories(web.resolve("etc"));
        Files.writeString(web.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n");
        assertEquals("""
                USER         PID COMMAND
                root           1 /sbin/init
                root         101 nginx
                www-data     102 nginx: worker
                1000         103 sh
                """, OwnerColumns.rewrite("""
                USER         PID COMMAND
                root           1 /sbin/init
                1000000      101 nginx
                1000033      102 nginx: worker
                1001000      103 sh
                """, names()));
    }

    @Test void eachGuestsFilesAreReadOnce() throws Exception {
        Path web = guest("web", 1_000_000, 100);
        Files.createDirectories(web.resolve("etc"));
        Files.writeString(web.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        var counted = new GuestOwnerNames(GuestRanges.read(vs.config()), UserNames.NONE, UserNames.NONE, g -> {
            opened++;
            return Optional.of(GuestFiles.at(vs.sys(), ProcFs.host(), web));
        });
        for (int i = 0; i < 3; i++) assertEquals("root", counted.name(Kind.USER, 1_000_000));
        assertEquals("1", counted.name(Kind.USER, 1_000_001));
        assertEquals("0", counted.name(Kind.GROUP, 1_000_000), "no etc/group: numbers");
        assertEquals(1, opened);
    }
}
