package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vserver.testsupport.Owners.chown;
import static org.vserver.testsupport.Owners.owner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigRoot;
import org.vserver.guest.Guests;
import org.vserver.guest.Vserver;
import org.vserver.state.StateDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.HostFeatures;

/**
 * lsxid and chxid on files chowned into two fake guests' ranges in a temporary directory (root
 * only: chown). Guest a: uids 1000000.., gids 2000000.., context 42; guest b: 1065536.. both,
 * no context file; guest wide: 131072 ids from 1196608.
 */
class FileTaggingCommandTest {
    static final long A_UID = 1_000_000, A_GID = 2_000_000, B = 1_065_536, WIDE = 1_196_608;

    @TempDir Path tmp;
    Path tree;
    Guests guests;

    record Run(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(HostFeatures.isRoot(), "chown needs root");
        Path etc = tmp.resolve("etc");
        put(etc, "a/userns/uidmap", A_UID + " 65536\n");
        put(etc, "a/userns/gidmap", A_GID + " 65536\n");
        put(etc, "a/context", "42\n");
        put(etc, "b/userns/uidmap", B + " 65536\n");
        put(etc, "b/userns/gidmap", B + " 65536\n");
        put(etc, "fresh/context", "43\n");
        put(etc, "wide/userns/uidmap", WIDE + " 131072\n");
        put(etc, "wide/userns/gidmap", WIDE + " 131072\n");
        var quiet = new PrintStream(new ByteArrayOutputStream(), true);
        guests = new Guests(new Vserver(new ConfigRoot(etc), new StateDir(tmp.resolve("run")), "vservers-test", null,
                new LinuxSyscalls(), ProcFs.host(), null, Map.of(), quiet, quiet));
        tree = Files.createDirectories(tmp.resolve("tree"));
    }

    private static void put(Path dir, String file, String text) throws IOException {
        Path f = dir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    private Path file(String rel, long uid, long gid) throws IOException {
        Path f = tree.resolve(rel);
        Files.createDirectories(f.getParent());
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) Files.createFile(f);
        chown(f, uid, gid);
        return f;
    }

    private Run lsxid(String... args) throws Exception {
        var cmd = new LsxidCommand();
        var out = new StringWriter();
        var err = new StringWriter();
        Main.commandLine(cmd, System.out, System.err).parseArgs(args);
        int rc = cmd.run(guests.vserver(), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(rc, out.toString().replace(tree + "/", "").replace(tree.toString(), "TREE"), err.toString());
    }

    private Run chxid(String... args) throws Exception {
        var cmd = new ChxidCommand();
        var err = new StringWriter();
        Main.commandLine(cmd, System.out, System.err).parseArgs(args);
        int rc = cmd.run(guests, new PrintWriter(err, true));
        return new Run(rc, "", err.toString());
    }

    private List<String> lines(Run r) { return r.out().lines().map(String::strip).map(l -> l.replaceAll("\\s+", " ")).toList(); }

    @Test
    void lsxidNamesTheOwnerOfEachFile() throws Exception {
        chown(tree, 0, 0);
        file("host", 0, 0);
        file("of-a", A_UID + 1000, A_GID + 1000);
        file("of-b", B, B);
        file("mixed", A_UID, 0);
        file("stray", 300_000, 300_000);
        Run r = lsxid(tree.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("0 host TREE", "0 host host", "42/0 a/host mixed", "42 a of-a", "- b of-b", "- ? stray"), lines(r));
        assertEquals("   42 a             of-a\n", lsxid(tree.resolve("of-a").toString()).out(),
                "columns: XID right-aligned in 5, NAME in 12, two spaces, PATH");
    }

    @Test
    void recursionDirectoriesAndDotFiles() throws Exception {
        file("top", 0, 0);
        file(".hidden", B, B);
        file("sub/deep", A_UID, A_GID);
        chown(tree.resolve("sub"), B, B);
        assertEquals(List.of("0 host TREE", "- b sub", "0 host top"), lines(lsxid(tree.toString())), "without -R: the entries, not below");
        assertEquals(List.of("0 host TREE", "0 host top", "- b sub", "42 a sub/deep"), lines(lsxid("-R", tree.toString())),
                "files first, then each subdirectory");
        assertEquals(List.of("0 host TREE", "- b .hidden", "0 host top", "- b sub", "42 a sub/deep"), lines(lsxid("-Ra", tree.toString())));
        assertEquals(List.of("0 host TREE"), lines(lsxid("-d", tree.toString())));
        assertEquals(List.of("0 host TREE"), lines(lsxid("-dR", tree.toString())), "-d wins: the directory itself");
    }

    @Test
    void lsxidDoesNotFollowLinksAndGoesOnPastAMissingPath() throws Exception {
        Path target = file("target", A_UID, A_GID);
        Path link = tree.resolve("link");
        Files.createSymbolicLink(link, target);
        chown(link, B, B);
        Run r = lsxid(link.toString(), tree.resolve("missing").toString(), target.toString());
        assertEquals(1, r.code());
        assertEquals(List.of("- b link", "42 a target"), lines(r));
        assertEquals("lsxid: openat(`" + tree.resolve("missing") + "`) failed: No such file or directory (ENOENT)\n", r.err());
    }

    @Test
    void chxidKeepsGuestRelativeIds() throws Exception {
        Path f = file("f", A_UID + 1000, A_GID + 100);
        Path d = file("d/g", A_UID, A_GID);
        Path mixed = file("mixed", A_UID + 5, 7);
        Run r = chxid("-c", "b", "-R", tree.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals((B + 1000) + ":" + (B + 100), owner(f));
        assertEquals(B + ":" + B, owner(d));
        assertEquals((B + 5) + ":" + (B + 7), owner(mixed), "uid from a, gid from the host: each from its own owner");
        assertEquals(B + ":" + B, owner(tree), "the directory itself");
        assertEquals(0, chxid("-c", "42", f.toString()).code(), "by context number");
        assertEquals((A_UID + 1000) + ":" + (A_GID + 100), owner(f));
        assertEquals(0, chxid("-c", "0", f.toString()).code(), "0: back to the host");
        assertEquals("1000:100", owner(f));
    }

    @Test
    void withoutRecursionOnlyTheNamedFiles() throws Exception {
        Path inner = file("d/inner", 0, 0);
        chown(tree.resolve("d"), 0, 0);
        assertEquals(0, chxid("-c", "a", tree.resolve("d").toString()).code());
        assertEquals(A_UID + ":" + A_GID, owner(tree.resolve("d")));
        assertEquals("0:0", owner(inner));
    }

    @Test
    void hostIdsMoveIntoTheGuestAndSetIdBitsStay() throws Exception {
        Path suid = file("su", 0, 0);
        Files.setAttribute(suid, "unix:mode", 06755);
        Path plain = file("plain", 1000, 1000);
        assertEquals(0, chxid("-c", "a", suid.toString(), plain.toString()).code());
        assertEquals(A_UID + ":" + A_GID, owner(suid));
        assertEquals(06755, (int) Files.getAttribute(suid, "unix:mode") & 07777, "chown cleared them; put back");
        assertEquals((A_UID + 1000) + ":" + (A_GID + 1000), owner(plain));
    }

    @Test
    void aLinkIsRetaggedItselfNeverItsTarget() throws Exception {
        Path outside = Files.createFile(tmp.resolve("outside"));
        chown(outside, 0, 0);
        Path link = tree.resolve("link");
        Files.createSymbolicLink(link, outside);
        chown(link, 0, 0);
        Path dirLink = tree.resolve("dirlink");
        Files.createSymbolicLink(dirLink, tmp.resolve("etc"));
        chown(dirLink, 0, 0);
        assertEquals(0, chxid("-c", "b", "-R", tree.toString(), link.toString()).code());
        assertEquals(B + ":" + B, owner(link));
        assertEquals("0:0", owner(outside));
        assertEquals("0:0", owner(tmp.resolve("etc/a/context")), "a link to a directory is not entered");
    }

    @Test
    void anIdInNobodysRangeIsRefusedTheRestDone() throws Exception {
        Path stray = file("stray", 300_000, 0);
        Path ok = file("ok", 0, 0);
        Run r = chxid("-c", "b", stray.toString(), ok.toString());
        assertEquals(1, r.code());
        assertEquals("chxid: " + stray + ": uid 300000 is in no guest's range and not the host's own (below 65536): not retagged\n", r.err());
        assertEquals("300000:0", owner(stray), "untouched: not even its gid");
        assertEquals(B + ":" + B, owner(ok));
        Path big = file("big", A_UID + 65535, A_GID);
        assertEquals(0, chxid("-c", "b", big.toString()).code(), "65535 fits b's range");
        Path high = file("high", WIDE + 70_000, WIDE);
        for (String to : List.of("0", "b")) {
            Run h = chxid("-c", to, high.toString());
            assertEquals(1, h.code());
            assertTrue(h.err().contains("uid 70000 of guest 'wide' has no counterpart in "), h.err());
        }
        assertEquals((WIDE + 70_000) + ":" + WIDE, owner(high));
    }

    @Test
    void anUnknownOrRangelessTargetIsAnErrorBeforeAnyFile() throws Exception {
        Path f = file("f", 0, 0);
        var unknown = assertThrows(IOException.class, () -> chxid("-c", "nope", f.toString()));
        assertTrue(unknown.getMessage().startsWith("no guest 'nope'"), unknown.getMessage());
        var fresh = assertThrows(IOException.class, () -> chxid("-c", "fresh", f.toString()));
        assertTrue(fresh.getMessage().contains("guest 'fresh' has no uid range yet"), fresh.getMessage());
        assertEquals("0:0", owner(f));
    }
}
