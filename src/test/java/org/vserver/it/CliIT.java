package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * The commands around the lifecycle, through bin/: {@code config}, {@code vserver-stat},
 * {@code vps}, {@code vkill}, {@code debug plan}, {@code delete}, and how errors look.
 */
@RequiresRoot("starts real guests")
class CliIT {
    static TestHost host;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    @Test
    void configShowGetSet() throws Exception {
        String g = host.build("cli-config");
        String xid = host.context(g);
        assertTrue(xid.matches("400\\d\\d"), xid);

        var show = host.cli("vserver", g, "config", "show");
        assertEquals(0, show.code(), show.toString());
        List<String> lines = show.out().lines().toList();
        assertTrue(lines.contains("context = " + xid), show.out());
        assertTrue(lines.contains("init.style = sysv"), show.out());
        assertTrue(lines.contains("uts.nodename = " + g), show.out());
        assertTrue(lines.contains("vdir = " + host.guestsDir.resolve(g)), show.out());

        var json = host.cli("vserver", g, "config", "show", "--json");
        assertEquals(0, json.code(), json.toString());
        JsonNode tree = JSON.readTree(json.out());
        assertTrue(tree.get("context").isNumber(), "context is a number: " + json.out());
        assertEquals(Integer.parseInt(xid), tree.get("context").intValue());
        assertEquals("sysv", tree.get("init.style").asText());
        assertTrue(tree.get("fstab").isArray(), json.out());
        assertEquals(tree, JSON.readTree(host.cli("vserver", g, "config", "--json", "show").out()), "--json before show too");

        var get = host.cli("vserver", g, "config", "get", "uts.nodename");
        assertEquals(0, get.code(), get.toString());
        assertEquals(g + "\n", get.out());
        assertEquals(1, host.cli("vserver", g, "config", "get", "nice").code(), "an absent key");

        var set = host.cli("vserver", g, "config", "set", "init.style", "plain");
        assertEquals(0, set.code(), set.toString());
        assertEquals("plain", Files.readString(host.confdir.resolve(g).resolve("apps/init/style")).strip());
        assertEquals("plain\n", host.cli("vserver", g, "config", "get", "init.style").out());

        assertEquals(0, host.cli("vserver", g, "config", "set", "nice", "-5").code(), "a negative value is a value");
        Path nice = host.confdir.resolve(g).resolve("nice");
        assertEquals("-5", Files.readString(nice).strip());
        var bad = host.cli("vserver", g, "config", "set", "nice", "99");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains(nice.toString()), "names the file: " + bad.err());
        assertTrue(bad.err().contains("'99'"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertEquals("-5", Files.readString(nice).strip(), "the old value stays");
    }

    /** The CLI explains itself: every command listed with one line, and each takes --help. */
    @Test
    void everyCommandExplainsItself() throws Exception {
        var help = host.cli("vserver", "--help");
        assertEquals(0, help.code(), help.toString());
        for (String c : List.of("build", "start", "stop", "restart", "condrestart", "status", "running", "exec", "suexec", "enter",
                "console", "delete", "config", "hashify", "debug"))
            assertTrue(help.out().lines().anyMatch(l -> l.startsWith("  " + c + " ") && l.strip().length() > c.length() + 5),
                    c + " has a line of its own:\n" + help.out());
        for (String c : List.of("build", "start", "stop", "exec", "config")) {
            var r = host.cli("vserver", "nosuch", c, "--help");
            assertEquals(0, r.code(), c + " --help: " + r);
            assertTrue(r.out().startsWith("Usage: vserver nosuch " + c), r.out());
        }
        for (String tool : List.of("vserver-stat", "vps", "vsched", "vlimit", "vdlimit", "vhashify", "vkill", "vcontext", "vnamespace",
                "vattribute", "chbind", "chxid", "lsxid", "vuname", "vwait", "vtop", "vdu", "vserver-info", "vserver-autostart")) {
            var r = host.cli(tool, "--help");
            assertEquals(0, r.code(), tool + " --help: " + r);
            assertTrue(r.out().startsWith("Usage: " + tool), tool + ": " + r.out());
            assertFalse(r.err().contains("WARN"), tool + ": " + r.err());
        }
        // config set of a file vserver never reads: refused, nothing made
        String g = host.build("cli-help");
        var bogus = host.cli("vserver", g, "config", "set", "bogus.key", "1");
        assertEquals(1, bogus.code(), bogus.toString());
        assertTrue(bogus.err().contains("unknown setting 'bogus.key'") && bogus.err().contains("known keys: name, context"), bogus.toString());
        assertFalse(java.nio.file.Files.exists(host.confdir.resolve(g).resolve("bogus")));
    }

    @Test
    void vserverStatShowsTheHostAndTheRunningGuest() throws Exception {
        String g = host.build("cli-stat");
        String xid = host.context(g);
        host.start(g);
        try {
            var r = host.cli("vserver-stat");
            assertEquals(0, r.code(), r.toString());
            List<String> lines = r.out().lines().toList();
            assertEquals("CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME", lines.get(0));
            assertTrue(lines.get(1).startsWith("0 ") && lines.get(1).endsWith(" root server"), r.out());
            String row = lines.stream().filter(l -> l.startsWith(xid + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for context " + xid + ":\n" + r.out()));
            String[] f = row.trim().split("\\s+");
            assertEquals(g, f[f.length - 1], row);
            assertTrue(Integer.parseInt(f[1]) >= 1, "PROC of " + row);
            assertEquals(8, f.length, "CTX PROC VSZ RSS userTIME sysTIME UPTIME NAME: " + row);

            var j = host.cli("vserver-stat", "--json");
            assertEquals(0, j.code(), j.toString());
            JsonNode rows = JSON.readTree(j.out());
            assertTrue(rows.isArray());
            assertEquals(0, rows.get(0).get("ctx").intValue());
            JsonNode mine = null;
            for (JsonNode n : rows) if (g.equals(n.path("name").asText())) mine = n;
            assertTrue(mine != null, "the guest in " + j.out());
            assertEquals(Integer.parseInt(xid), mine.get("ctx").intValue());
            assertTrue(mine.get("proc").intValue() >= 1, j.out());
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
        assertFalse(host.cli("vserver-stat").out().contains(" " + g + "\n"), "a stopped guest has no row");
    }

    @Test
    void vpsLabelsEveryProcessWithItsContext() throws Exception {
        String g = host.build("cli-vps");
        String xid = host.context(g);
        host.start(g);
        try {
            var r = host.cli("vps", "aux");
            assertEquals(0, r.code(), r.toString());
            List<String> lines = r.out().lines().toList();
            String[] header = lines.get(0).trim().split("\\s+");
            assertEquals(List.of("USER", "PID", "CONTEXT"), List.of(header).subList(0, 3), lines.get(0));
            List<Integer> guestPids = host.vs.cgroups().processes(g);
            assertFalse(guestPids.isEmpty());
            for (int pid : guestPids) assertEquals(xid + " " + g, contextOf(lines, pid), "pid " + pid + " of the guest");
            assertEquals("0 MAIN", contextOf(lines, (int) ProcessHandle.current().pid()), "the test JVM");

            var ef = host.cli("vps", "-ef");     // ps's own options pass through
            assertEquals(0, ef.code(), ef.toString());
            assertTrue(ef.out().lines().findFirst().orElseThrow().matches("UID\\s+PID\\s+CONTEXT\\s+PPID.*"), ef.out());
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    /** The CONTEXT column ("xid name", two words) of {@code pid}'s line in {@code ps aux} with vps's column. */
    private static String contextOf(List<String> lines, int pid) {
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            if (f.length > 3 && f[1].equals(Integer.toString(pid))) return f[2] + " " + f[3];
        }
        throw new AssertionError("no line for pid " + pid + " in\n" + String.join("\n", lines));
    }

    @Test
    void vkillOfTheGuestsInitStopsIt() throws Exception {
        String g = host.build("cli-vkill");
        host.start(g);
        int init = host.initPid(g);
        var r = host.cli("vkill", "--xid", g, "-s", "KILL", "1");
        assertEquals(0, r.code(), r.toString());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (host.guests.running(g).isPresent() && System.nanoTime() < deadline) Thread.sleep(10);
        assertFalse(host.guests.running(g).isPresent(), "init " + init + " is dead");
        var status = host.cli("vserver", g, "status");
        assertEquals(3, status.code(), status.toString());
        assertEquals("Vserver '" + g + "' is stopped", status.out().lines().findFirst().orElse(""));
        assertTrue(status.out().contains("Disk: ") && status.out().contains("no limit (directory)"), "a stopped guest's disk: " + status.out());
        host.assertNothingLeftOf(g);
        var again = host.cli("vkill", "--xid", g, "-s", "KILL", "1");
        assertEquals(3, again.code(), again.toString());
        assertTrue(again.err().contains("not running"), again.err());
        var noPid = host.cli("vkill", "--xid", g);
        assertEquals(3, noPid.code(), noPid.toString());
    }

    @Test
    void vkillByContextNumberAndGuestPid() throws Exception {
        String g = host.build("cli-vkill-n");
        String xid = host.context(g);
        host.start(g);
        try {
            var unknownPid = host.cli("vkill", "--xid", xid, "-s", "TERM", "4242");
            assertEquals(1, unknownPid.code(), unknownPid.toString());
            assertTrue(unknownPid.err().contains("no process 4242 in guest " + g), unknownPid.err());
            var badSig = host.cli("vkill", "--xid", xid, "-s", "NOSUCHSIG", "1");
            assertEquals(1, badSig.code(), badSig.toString());
            assertTrue(badSig.err().contains("unknown signal 'NOSUCHSIG'"), badSig.err());
            assertTrue(host.guests.running(g).isPresent(), "nothing was signalled");
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    @Test
    void debugPlanPrintsTheStartPlanAndItsBinaryRendersTheSame() throws Exception {
        String g = host.build("cli-plan");
        var r = host.cli("vserver", "debug", "plan", g, "start");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("plan v1: "), r.out());
        assertTrue(r.out().contains(" PIVOT_ROOT \"" + host.guestsDir.resolve(g) + "\""), r.out());
        assertTrue(r.out().contains(" EXEC "), r.out());

        Path bin = host.root.resolve("plan.bin");
        var withBinary = host.cli("vserver", "debug", "plan", g, "start", "--binary", bin.toString());
        assertEquals(0, withBinary.code(), withBinary.toString());
        assertTrue(Files.size(bin) > 0, "the binary plan was written");
        assertEquals(r.out(), withBinary.out(), "the same plan both times");
        var p = new ProcessBuilder(TestHost.LAUNCHER.toAbsolutePath().toString(), "--dry-run", bin.toString())
                .redirectErrorStream(true).start();
        String rendered = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), rendered);
        assertEquals(withBinary.out(), rendered, "the launcher reads back exactly the plan Java printed");
        Files.delete(bin);

        var exec = host.cli("vserver", "debug", "plan", g, "exec");
        assertEquals(0, exec.code(), exec.toString());
        assertTrue(exec.out().startsWith("plan v1: ") && exec.out().contains("EXEC_ARGV"), exec.out());
        var which = host.cli("vserver", "debug", "plan", g, "bogus");
        assertEquals(2, which.code(), which.toString());
        assertTrue(which.err().contains("'bogus'"), which.err());
        assertEquals(1, which.err().strip().lines().count(), which.err());
    }

    @Test
    void errorsAreOneLineWithoutStackTraces() throws Exception {
        String g = host.build("cli-errors");
        var unknownCommand = host.cli("vserver", g, "frobnicate");
        assertEquals(2, unknownCommand.code(), unknownCommand.toString());
        assertOneLine(unknownCommand);
        assertTrue(unknownCommand.err().contains("unknown command 'frobnicate'"), unknownCommand.err());
        assertTrue(unknownCommand.err().contains("start stop"), "lists the commands: " + unknownCommand.err());

        var unknownGuest = host.cli("vserver", "no-such-guest", "start");
        assertEquals(1, unknownGuest.code(), unknownGuest.toString());
        assertOneLine(unknownGuest);
        assertTrue(unknownGuest.err().contains(host.confdir.resolve("no-such-guest") + ": no such guest"), unknownGuest.err());

        for (String cmd : List.of("status", "exec", "stop")) {
            var r = cmd.equals("exec") ? host.cli("vserver", "no-such-guest", "exec", "true")
                    : host.cli("vserver", "no-such-guest", cmd);
            assertEquals(1, r.code(), cmd + ": " + r);
            assertOneLine(r);
            assertTrue(r.err().contains("no such guest"), cmd + ": " + r.err());
        }

        var badOption = host.cli("vserver-stat", "--bogus");
        assertEquals(2, badOption.code(), badOption.toString());
        assertOneLine(badOption);
        assertTrue(badOption.err().contains("'--bogus'"), badOption.err());

        var missingArg = host.cli("vserver", g, "config");
        assertEquals(2, missingArg.code(), missingArg.toString());
        assertOneLine(missingArg);
    }

    private static void assertOneLine(TestHost.Result r) {
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "a stack trace:\n" + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line:\n" + r.err());
    }

    @Test
    void deleteRefusesARunningGuestUnlessForced() throws Exception {
        String g = host.build("cli-delete");
        Path cfgdir = host.confdir.resolve(g), vdir = host.guestsDir.resolve(g);
        host.start(g);
        var refused = host.cli("vserver", g, "delete");
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.err().contains("is running"), refused.err());
        assertTrue(Files.isDirectory(cfgdir) && Files.isDirectory(vdir.resolve("etc")), "nothing removed");
        assertTrue(host.guests.running(g).isPresent(), "still running");

        var forced = host.cli("vserver", g, "delete", "--force");
        assertEquals(0, forced.code(), forced.toString());
        assertFalse(Files.exists(cfgdir), "cfgdir removed");
        assertFalse(Files.exists(vdir), "vdir removed");
        host.assertNothingLeftOf(g);
        assertTrue(Files.isDirectory(Path.of("/usr/bin")), "the host's /usr survived (it was bind-mounted into the guest)");
        var gone = host.cli("vserver", g, "status");
        assertEquals(1, gone.code(), "a deleted guest is unknown: " + gone);
    }
}
