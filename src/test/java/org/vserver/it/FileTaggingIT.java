package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.testsupport.Owners.chown;
import static org.vserver.testsupport.Owners.owner;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * lsxid and chxid through bin/ on a tree of files owned by two configured guests' ranges, the
 * host's ids and a mix (the guests' userns/uidmap and gidmap written directly; they never run).
 * Guest web: ids 1000000.., context 42; guest db: ids 1065536.., no context file.
 */
@RequiresRoot("chowns files to guests' ranges and mounts a tmpfs for -x")
class FileTaggingIT {
    static final long WEB = 1_000_000, DB = 1_065_536;
    static TestHost host;
    Path tree;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        for (var g : List.of(new Object[] {"web", WEB}, new Object[] {"db", DB})) {
            host.config((String) g[0], "userns/uidmap", g[1] + " 65536\n");
            host.config((String) g[0], "userns/gidmap", g[1] + " 65536\n");
        }
        host.config("web", "context", "42\n");
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    @BeforeEach
    void tree() throws IOException {
        tree = Files.createTempDirectory(host.root, "tree");
        chown(tree, 0, 0);
    }

    private Path file(String rel, long uid, long gid) throws IOException {
        Path f = tree.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, rel);
        chown(f, uid, gid);
        return f;
    }

    /** lsxid's lines with the tree's path cut off and the columns' padding squeezed. */
    private List<String> lsxid(String... args) throws Exception {
        var r = host.cli(prepend("lsxid", args));
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().map(l -> l.strip().replaceAll(" +", " ").replace(tree + "/", "").replace(tree.toString(), "TREE")).toList();
    }

    private static String[] prepend(String first, String... rest) {
        String[] a = new String[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    @Test
    void lsxidNamesEachFilesGuestAndChxidMovesThemToAnother() throws Exception {
        file("host-file", 0, 0);
        file("web/index.html", WEB + 33, WEB + 33);
        chown(tree.resolve("web"), WEB, WEB);
        file("db/data", DB + 999, DB + 999);
        chown(tree.resolve("db"), DB, DB);
        file("mixed", WEB + 1, 5);
        assertEquals(List.of("0 host TREE", "0 host host-file", "42/0 web/host mixed", "- db db", "- db db/data",
                "42 web web", "42 web web/index.html"), lsxid("-R", tree.toString()));

        var r = host.cli("chxid", "-c", "db", "-R", tree.resolve("web").toString(), tree.resolve("mixed").toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals((DB + 33) + ":" + (DB + 33), owner(tree.resolve("web/index.html")), "www-data of web is www-data of db");
        assertEquals((DB + 1) + ":" + (DB + 5), owner(tree.resolve("mixed")));
        assertEquals(List.of("- db mixed"), lsxid(tree.resolve("mixed").toString()));

        r = host.cli("chxid", "-c", "42", "-R", tree.toString());            // by context number
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("42 web TREE", "42 web host-file", "42 web mixed", "42 web db", "42 web db/data", "42 web web",
                "42 web web/index.html"), lsxid("-R", tree.toString()));
        assertEquals((WEB + 999) + ":" + (WEB + 999), owner(tree.resolve("db/data")));

        r = host.cli("chxid", "-c", "0", "-R", tree.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals("999:999", owner(tree.resolve("db/data")), "back to the host's ids, as a guest tree is owned on disk");
    }

    @Test
    void errorsNameThePathOrTheGuestAndExitOne() throws Exception {
        Path f = file("f", 0, 0);
        var r = host.cli("lsxid", f.toString(), tree.resolve("missing").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("0 host") && r.err().contains("openat(`" + tree.resolve("missing") + "`) failed: No such file or directory (ENOENT)"),
                r.toString());
        r = host.cli("chxid", "-c", "nope", f.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("chxid: no guest 'nope'"), r.toString());
        host.config("fresh", "context", "43\n");
        r = host.cli("chxid", "-c", "fresh", f.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("guest 'fresh' has no uid range yet"), r.toString());
        Path stray = file("stray", 300_000, 300_000);
        r = host.cli("chxid", "-c", "web", stray.toString(), f.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(stray + ": uid 300000 is in no guest's range"), r.toString());
        assertEquals(WEB + ":" + WEB, owner(f), "the other file is done");
    }

    @Test
    void minusXStaysOnTheFilesystem() throws Exception {
        file("here", 0, 0);
        Path mnt = Files.createDirectories(tree.resolve("mnt"));
        var m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tagging-it", mnt.toString()).inheritIO().start();
        assertEquals(0, m.waitFor());
        try {
            Path inside = file("mnt/inside", 0, 0);
            assertEquals(List.of("0 host TREE", "0 host here"), lsxid("-Rx", tree.toString()));
            var r = host.cli("chxid", "-c", "web", "-Rx", tree.toString());
            assertEquals(0, r.code(), r.toString());
            assertEquals(WEB + ":" + WEB, owner(tree.resolve("here")));
            assertEquals("0:0", owner(inside));
            assertEquals("0:0", owner(mnt), "the mount point is the other filesystem's root");
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
