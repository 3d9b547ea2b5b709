package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.RequiresRoot;

/**
 * util-vserver's autostart: {@code apps/init/mark} and {@code apps/init/depends}, run by
 * {@code vserver-autostart} (what the vservers-default.service unit runs at boot and shutdown),
 * and the units themselves as scripts/install writes them, checked by systemd-analyze.
 */
@RequiresRoot("starts real guests")
class AutostartIT {
    static TestHost host;

    @BeforeAll
    static void setUp() throws Exception { host = new TestHost(); }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    static long initStart(String g) throws Exception {
        return Long.parseLong(Files.readAllLines(host.rundir.resolve(g).resolve("state")).stream()
                .filter(l -> l.startsWith("init.starttime=")).findFirst().orElseThrow().substring(15));
    }

    @Test
    void markedGuestsStartInDependencyOrderAndStopInReverse() throws Exception {
        String db = host.build("as-db"), web = host.build("as-web"), other = host.build("as-other");
        for (String g : List.of(db, web)) host.config(g, "apps/init/mark", "default\n");
        host.config(web, "apps/init/depends", db + "\n");
        host.config(other, "apps/init/mark", "later\n");

        var order = host.cli("vserver-autostart", "order");
        assertEquals(0, order.code(), order.toString());
        assertEquals("1: as-db\n2: as-web\n", order.out());

        var start = host.cli("vserver-autostart", "--mark", "default", "start");
        assertEquals(0, start.code(), start.toString());
        assertTrue(start.out().indexOf("as-db: started") < start.out().indexOf("as-web: started"), start.out());
        assertTrue(initStart(db) <= initStart(web), "the dependency's init came first");
        assertEquals(1, host.cli("vserver", other, "running").code(), "another mark is left alone");

        var again = host.cli("vserver-autostart", "start");
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("as-web: already running"), again.out());

        var stop = host.cli("vserver-autostart", "stop");
        assertEquals(0, stop.code(), stop.toString());
        assertTrue(stop.out().indexOf("as-web: stopped") < stop.out().indexOf("as-db: stopped"), "reverse order: " + stop.out());
        for (String g : List.of(db, web, other)) host.assertNothingLeftOf(g);
    }

    @Test
    void aFailedDependencyKeepsItsDependentsDownAndACycleStartsNothing() throws Exception {
        String broken = host.build("as-broken"), needy = host.build("as-needy"), free = host.build("as-free");
        for (String g : List.of(broken, needy, free)) host.config(g, "apps/init/mark", "f\n");
        host.config(broken, "apps/init/cmd.start", "/no/such/init\n");
        host.config(needy, "apps/init/depends", broken + "\n");
        var r = host.cli("vserver-autostart", "--mark", "f", "start");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("as-broken: did not start"), r.toString());
        assertTrue(r.err().contains("as-needy: not started: as-broken (apps/init/depends) did not start"), r.toString());
        assertTrue(r.out().contains("as-free: started"), "an independent guest starts all the same: " + r);
        assertEquals(0, host.cli("vserver-autostart", "--mark", "f", "stop").code());
        for (String g : List.of(broken, needy, free)) host.assertNothingLeftOf(g);

        host.config(broken, "apps/init/depends", needy + "\n");       // broken -> needy -> broken
        var cycle = host.cli("vserver-autostart", "--mark", "f", "start");
        assertEquals(1, cycle.code(), cycle.toString());
        assertTrue(cycle.err().contains("makes a cycle among as-broken, as-needy") && cycle.err().contains("nothing was started"),
                cycle.toString());
        assertEquals(1, host.cli("vserver", free, "running").code(), "nothing started");
        for (String g : List.of(broken, needy, free)) host.assertNothingLeftOf(g);
    }

    @Test
    void theInstalledUnitsPassSystemdAnalyze() throws Exception {
        Path prefix = Files.createDirectories(host.root.resolve("prefix"));
        var install = new ProcessBuilder(TestHost.BASEDIR.resolve("scripts/install").toString(), prefix.toString())
                .directory(TestHost.BASEDIR.toFile()).redirectErrorStream(true);
        var r = host.run(install, null);
        assertEquals(0, r.code(), r.toString());
        Path units = prefix.resolve("lib/systemd/system");
        String unit = Files.readString(units.resolve("vservers-default.service"));
        assertTrue(unit.contains("ExecStart=" + prefix + "/sbin/vserver-autostart --mark default start"), unit);
        assertTrue(unit.contains("ExecStop=" + prefix + "/sbin/vserver-autostart --mark default stop"), unit);
        assertTrue(unit.contains("Wants=network-online.target lxcfs.service"), "the guests' views want the host's lxcfs: " + unit);
        String dropIn = Files.readString(units.resolve("lxcfs.service.d/vserver.conf"));
        assertTrue(dropIn.contains("ExecStart=\nExecStart=/usr/bin/lxcfs --enable-loadavg --enable-cfs"), "Debian's unit with the views' options: " + dropIn);
        Files.copy(units.resolve("vserver@.service"), units.resolve("vserver@web.service"));
        var verify = host.run(new ProcessBuilder("systemd-analyze", "verify", units.resolve("vservers-default.service").toString(),
                units.resolve("vserver@web.service").toString()), null);
        assertEquals(0, verify.code(), verify.toString());
        assertEquals("", verify.err().strip(), "no warning: " + verify.err());
        // the command the unit runs, as installed, answers
        var help = host.run(new ProcessBuilder(prefix + "/sbin/vserver-autostart", "--help"), null);
        assertEquals(0, help.code(), help.toString());
        assertFalse(help.out().isEmpty());
    }
}
