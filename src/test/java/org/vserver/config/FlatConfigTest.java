package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.junit.jupiter.api.io.TempDir;

class FlatConfigTest {
    @TempDir Path confdir;
    Path g;
    FlatConfig flat;

    @BeforeEach void guest() throws Exception {
        g = Fixture.guest(confdir, "web");
        flat = FlatConfig.open(new ConfigRoot(confdir), "web");
    }

    @Test void openMissingGuest() {
        var e = assertThrows(ConfigException.class, () -> FlatConfig.open(new ConfigRoot(confdir), "nope"));
        assertEquals(confdir.resolve("nope") + ": no such guest (configuration directory missing)", e.getMessage());
    }

    @Test void knownKeysMapToUtilVserverFiles() throws Exception {
        assertEquals(g.resolve("apps/init/style"), flat.file("init.style"));
        assertEquals(g.resolve("apps/init/runlevel.start"), flat.file("init.runlevel.start"));
        assertEquals(g.resolve("apps/init/cmd.start"), flat.file("init.cmd.start"));
        assertEquals(g.resolve("uts/nodename"), flat.file("uts.nodename"));
        assertEquals(g.resolve("interfaces/00/ip"), flat.file("interfaces.00.ip"));
        assertEquals(g.resolve("sched/fill-rate"), flat.file("sched.fill-rate"));
        assertEquals(g.resolve("rlimits/nproc.soft"), flat.file("rlimits/nproc.soft"));
    }

    @Test void setWritesFilesAndGetReadsThem() throws Exception {
        flat.set("context", "1234");
        flat.set("uts.nodename", "web.example.org");
        flat.set("bcapabilities", "CAP_NET_RAW, !CAP_KILL");
        flat.set("ccapabilities", "ping,set_utsname");
        flat.set("init.style", "plain");
        flat.set("init.cmd.start", "/sbin/init --debug");
        flat.set("init.killseq", "TERM 10 KILL");
        flat.set("init.environment", "PATH=/bin LANG=C");
        flat.set("shell", "/bin/bash -l");
        flat.set("nice", "5");
        flat.set("fstab", "none /proc proc defaults 0 0\nnone /tmp tmpfs size=16m 0 0");
        flat.set("sched.fill-rate", "1");

        assertEquals("1234\n", Fixture.read(g.resolve("context")));
        assertEquals("CAP_NET_RAW\n!CAP_KILL\n", Fixture.read(g.resolve("bcapabilities")));
        assertEquals("/sbin/init\n--debug\n", Fixture.read(g.resolve("apps/init/cmd.start")));
        assertEquals("TERM 10 KILL\n", Fixture.read(g.resolve("apps/init/killseq")));
        assertEquals("PATH=/bin\nLANG=C\n", Fixture.read(g.resolve("apps/init/environment")));
        assertEquals("none /proc proc defaults 0 0\nnone /tmp tmpfs size=16m 0 0\n", Fixture.read(g.resolve("fstab")));
        assertEquals("1\n", Fixture.read(g.resolve("sched/fill-rate")));

        assertEquals(Optional.of("1234"), flat.get("context"));
        assertEquals(Optional.of("CAP_NET_RAW,!CAP_KILL"), flat.get("bcapabilities"));
        assertEquals(Optional.of("/sbin/init --debug"), flat.get("init.cmd.start"));
        assertEquals(Optional.of("PATH=/bin LANG=C"), flat.get("init.environment"));
        assertEquals(Optional.of("none /proc proc defaults 0 0\nnone /tmp tmpfs size=16m 0 0"), flat.get("fstab"));
        assertEquals(Optional.of("1"), flat.get("sched.fill-rate"));
        assertEquals(Optional.empty(), flat.get("init.runlevel"));

        // everything set is what read sees
        GuestConfig c = ConfigDir.read(new ConfigRoot(confdir), "web");
        assertEquals(1234, c.context().getAsInt());
        assertEquals(List.of(new ContextCapabilityChange(ContextCapability.RAW_ICMP, true),
                new ContextCapabilityChange(ContextCapability.SET_UTSNAME, true)), c.ccapabilities());
        assertEquals(List.of(15, 10, 9), c.init().killseq());
        assertEquals(List.of("/bin/bash", "-l"), c.shell());
        assertEquals(2, c.fstab().size());
    }

    @Test void lbackAllowIsAListOfItsOwnFile() throws Exception {
        assertEquals(g.resolve("interfaces/lback.allow"), flat.file("interfaces.lback.allow"));
        flat.set("interfaces.lback.allow", "127.0.0.53:53, 127.0.0.9");
        assertEquals("127.0.0.53:53\n127.0.0.9\n", Fixture.read(g.resolve("interfaces/lback.allow")));
        assertEquals(Optional.of("127.0.0.53:53,127.0.0.9"), flat.get("interfaces.lback.allow"));
        var e = assertThrows(ConfigException.class, () -> flat.set("interfaces.lback.allow", "127.0.0.53:53,10.0.0.1"));
        assertEquals(g.resolve("interfaces/lback.allow") + ":2: 10.0.0.1 is not a loopback address (127.0.0.0/8): only those are"
                + " restricted, any other address needs no entry", e.getMessage());
        assertEquals("127.0.0.53:53\n127.0.0.9\n", Fixture.read(g.resolve("interfaces/lback.allow")), "left as it was");
        assertEquals(Optional.empty(), flat.get("interfaces.lback"), "interfaces.lback is another file");
    }

    @Test void roundTripThroughGetAndSet() throws Exception {
        Fixture.put(g, "bcapabilities", "NET_RAW\n# keep\nSYS_TIME\n");
        Fixture.put(g, "apps/init/environment", "A=1\nB=2\n");
        for (String key : List.of("bcapabilities", "init.environment")) {
            String v = flat.get(key).orElseThrow();
            flat.set(key, v);
            assertEquals(Optional.of(v), flat.get(key));
        }
        assertEquals("NET_RAW\nSYS_TIME\n", Fixture.read(g.resolve("bcapabilities")));
    }

    @Test void showListsPresentKeysSorted() throws Exception {
        Fixture.put(g, "uts/nodename", "web\n");
        Fixture.put(g, "apps/init/style", "sysv\n");
        Fixture.put(g, "fstab", "none /proc proc defaults\nnone /tmp tmpfs defaults\n\n");
        Fixture.put(g, "interfaces/00/ip", "10.0.0.2\n");
        Fixture.put(g, "interfaces/00/nodev", "");
        Fixture.put(g, "rlimits/nproc.soft", "100\n");
        Fixture.put(g, "sched/idle-time", "");
        Fixture.put(g, ".hidden", "x\n");
        Files.createSymbolicLink(g.resolve("vdir"), Path.of("/vservers/web"));
        Files.createSymbolicLink(g.resolve("run"), Path.of("/var/run/vservers/web"));

        assertEquals("""
                context = 42
                fstab = none /proc proc defaults
                        none /tmp tmpfs defaults
                init.style = sysv
                interfaces.00.ip = 10.0.0.2
                interfaces.00.nodev = true
                rlimits.nproc.soft = 100
                run = /var/run/vservers/web
                sched.idle-time = true
                uts.nodename = web
                vdir = /vservers/web
                """, flat.showText());
        // every key shown resolves back to its file
        for (String key : flat.show().keySet()) assertTrue(flat.get(key).isPresent(), key);
        assertEquals(g.resolve("rlimits/nproc.soft"), flat.file("rlimits.nproc.soft"));
    }

    @Test void showJson() throws Exception {
        Fixture.put(g, "nice", "-3\n");
        Fixture.put(g, "uts/nodename", "web\n");
        Fixture.put(g, "bcapabilities", "NET_RAW\nSYS_TIME\n");
        Fixture.put(g, "apps/init/killseq", "TERM 5\n9\n");
        Fixture.put(g, "apps/init/environment", "PATH=/bin\n");
        Fixture.put(g, "shell", "/bin/sh -l\n");
        Fixture.put(g, "fstab", "# c\nnone /proc proc defaults\n");
        Fixture.put(g, "interfaces/00/ip", "10.0.0.2\n");
        Fixture.put(g, "interfaces/00/prefix", "24\n");
        Fixture.put(g, "interfaces/00/disabled", "");
        Fixture.put(g, "sched/fill-rate", "3\n");
        Fixture.put(g, "badness", "7\n");

        JsonNode j = new ObjectMapper().readTree(flat.showJson());
        assertEquals(42, j.get("context").intValue());
        assertTrue(j.get("context").isNumber());
        assertEquals(-3, j.get("nice").intValue());
        assertEquals("web", j.get("uts.nodename").textValue());
        assertEquals("[\"NET_RAW\",\"SYS_TIME\"]", j.get("bcapabilities").toString());
        assertEquals("[\"TERM\",5,9]", j.get("init.killseq").toString());
        assertEquals("{\"PATH\":\"/bin\"}", j.get("init.environment").toString());
        assertEquals("[\"/bin/sh\",\"-l\"]", j.get("shell").toString());
        assertEquals("[\"none /proc proc defaults\"]", j.get("fstab").toString());
        assertEquals(24, j.get("interfaces.00.prefix").intValue());
        assertTrue(j.get("interfaces.00.disabled").booleanValue());
        assertEquals("7", j.get("badness").textValue());   // generic files stay strings
        assertEquals(3, j.get("sched.fill-rate").intValue());
        List<String> names = List.copyOf(iterable(j.fieldNames()));
        assertEquals(names.stream().sorted().toList(), names);
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        var out = new java.util.ArrayList<T>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test void badValuesAreRefusedAndLeaveTheOldFile() throws Exception {
        Fixture.put(g, "apps/init/killseq", "15 5 9\n");
        Fixture.put(g, "fstab", "none /proc proc defaults\n");
        record Case(String key, String value, String file, String message) {}
        for (Case c : List.of(
                new Case("context", "1", "context", ":1: invalid context '1': expected a number 2..65535 (0 is the host, 1 the spectator)"),
                new Case("context", "forty", "context", ":1: invalid context 'forty': expected a number 2..65535 (0 is the host, 1 the spectator)"),
                new Case("init.killseq", "15 5", "apps/init/killseq", ":1: killseq must be 'sig [wait sig]*' (an odd number of items), it ends with a wait"),
                new Case("fstab", "none /proc proc defaults\nnone /tmp", "fstab", ":2: fstab line needs 'spec file vfstype options [dump pass]', got 2 fields"),
                new Case("bcapabilities", "NET_RAW,WARP_DRIVE", "bcapabilities", ":2: unknown capability 'WARP_DRIVE' (expected a name like CAP_NET_RAW)"),
                new Case("nice", "99", "nice", ":1: invalid nice '99': expected a number -20..19"),
                new Case("uts.nodename", "a b", "uts/nodename", ":1: invalid nodename 'a b' (letters, digits, '-', '.', '_')"),
                new Case("init.environment", "A=1 =2", "apps/init/environment", ":2: invalid variable name ''"),
                new Case("context", "2\n3", "context", ": 'context' takes one line"))) {
            Path f = g.resolve(c.file());
            String before = Files.exists(f) ? Fixture.read(f) : null;
            var e = assertThrows(ConfigException.class, () -> flat.set(c.key(), c.value()), c.key());
            assertEquals(f + c.message(), e.getMessage());
            assertEquals(before, Files.exists(f) ? Fixture.read(f) : null, c.key());
        }
        var e = assertThrows(ConfigException.class, () -> flat.set("init.style", "bogus"));
        assertTrue(e.getMessage().startsWith(g.resolve("apps/init/style") + ":1: unknown init style 'bogus'"));
        assertFalse(Files.exists(g.resolve("apps/init/style")));
        try (var s = Files.list(g)) {   // no temporary files left behind
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
    }

    @Test void flagsAndUnset() throws Exception {
        flat.set("interfaces.00.ip", "10.0.0.2");
        flat.set("interfaces.00.nodev", "true");
        assertTrue(Files.exists(g.resolve("interfaces/00/nodev")));
        assertEquals(Optional.of("true"), flat.get("interfaces.00.nodev"));
        flat.set("interfaces.00.nodev", "false");
        assertFalse(Files.exists(g.resolve("interfaces/00/nodev")));
        var e = assertThrows(ConfigException.class, () -> flat.set("interfaces.00.disabled", "maybe"));
        assertEquals(g.resolve("interfaces/00/disabled") + ": expected true or false, got 'maybe'", e.getMessage());

        assertTrue(flat.unset("interfaces.00.ip"));
        assertFalse(Files.exists(g.resolve("interfaces")));   // emptied directories go too
        assertFalse(flat.unset("interfaces.00.ip"));
        assertTrue(Files.exists(g));
        assertTrue(flat.unset("context"));
        assertTrue(Files.exists(g));
    }

    @Test void interfaceFilesNeedTheIp() throws Exception {
        var e = assertThrows(ConfigException.class, () -> flat.set("interfaces.01.dev", "eth0"));
        assertEquals(g.resolve("interfaces/01") + ": interface has no 'ip' file: set interfaces.01.ip first", e.getMessage());
        flat.set("interfaces.01.ip", "10.0.0.3");
        flat.set("interfaces.01.dev", "eth0");
        e = assertThrows(ConfigException.class, () -> flat.unset("interfaces.01.ip"));
        assertEquals(g.resolve("interfaces/01") + ": the interface still has dev: unset those first (an interface without 'ip' is invalid)",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> flat.set("interfaces.01.ip", "10.0.0.3/24"));
        assertEquals(g.resolve("interfaces/01/ip") + ":1: invalid IP address '10.0.0.3/24' (write the prefix in the 'prefix' file)",
                e.getMessage());
    }

    @Test void dottedKeysFollowExistingFiles() throws Exception {
        // util-vserver names with dots are known even before their directory exists
        flat.set("fstab.remote", "server:/export /mnt/nfs nfs ro");
        assertTrue(Files.isRegularFile(g.resolve("fstab.remote")));
        flat.set("rlimits.nproc.hard", "200");
        assertEquals("200\n", Fixture.read(g.resolve("rlimits/nproc.hard")));
        var e = assertThrows(ConfigException.class, () -> flat.set("fstab.remote", "server:/x nfs"));
        assertTrue(e.getMessage().startsWith(g.resolve("fstab.remote") + ":1: fstab line needs"), e.getMessage());
        // other names: an existing file decides, then an existing directory
        Fixture.put(g, "apps/foo/bar.baz", "1\n");
        assertEquals(Optional.of("1"), flat.get("apps.foo.bar.baz"));
        flat.set("apps.foo.bar.baz", "3");
        assertEquals("3\n", Fixture.read(g.resolve("apps/foo/bar.baz")), "an existing file vserver does not read is changed as asked");
        // a new file vserver would never read: refused (a typo is no silent no-op), the known keys listed
        var unknown = assertThrows(ConfigException.class, () -> flat.set("apps.foo.bar.qux", "2"));
        assertTrue(unknown.getMessage().startsWith(g.resolve("apps/foo/bar.qux") + ": unknown setting 'apps.foo.bar.qux': vserver reads"
                + " no such file; known keys: name, context, "), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("init.timeout.stop") && unknown.getMessage().contains("rlimits.RESOURCE"), unknown.getMessage());
        assertFalse(Files.exists(g.resolve("apps/foo/bar.qux")));
        assertThrows(ConfigException.class, () -> flat.set("bogus.key", "1"));
        assertFalse(Files.exists(g.resolve("bogus")), "config set bogus.key made nothing");
        flat.set("ulimits/nofile.soft", "1024");
        assertEquals(Optional.of("1024"), flat.get("ulimits.nofile.soft"));
        // a brand-new directory: every dot is a '/'
        flat.set("cpuset.cpus", "0-3");
        assertEquals("0-3\n", Fixture.read(g.resolve("cpuset/cpus")));
    }

    @Test void keysNeverLeaveTheCfgdirOrFollowLinks() throws Exception {
        Path root = Files.createDirectories(confdir.resolve("guestroot/etc"));
        Fixture.put(root, "passwd", "root:x:0:0\n");
        Files.createSymbolicLink(g.resolve("vdir"), confdir.resolve("guestroot"));
        var e = assertThrows(ConfigException.class, () -> flat.get("vdir/etc/passwd"));
        assertEquals(g + ": invalid key 'vdir/etc/passwd': 'vdir' is a symlink; keys do not go through links", e.getMessage());
        assertThrows(ConfigException.class, () -> flat.set("vdir.etc.passwd", "x"));
        assertEquals("root:x:0:0\n", Fixture.read(root.resolve("passwd")));
        for (String bad : List.of("../x", "a/../b", ".defaults.x", "a..b", "", "/etc/passwd")) {
            assertThrows(ConfigException.class, () -> flat.set(bad, "x"), bad);
        }
        assertEquals(Optional.of(confdir.resolve("guestroot").toString()), flat.get("vdir"));
    }

    @Test void vdirLink() throws Exception {
        flat.set("vdir", "/srv/web");
        assertEquals(Path.of("/srv/web"), Files.readSymbolicLink(g.resolve("vdir")));
        flat.set("vdir", "/srv/web2");
        assertEquals(Path.of("/srv/web2"), ConfigDir.read(new ConfigRoot(confdir), "web").vdir());
        var e = assertThrows(ConfigException.class, () -> flat.set("vdir", "relative"));
        assertEquals(g.resolve("vdir") + ": 'vdir' must be an absolute path, got 'relative'", e.getMessage());
    }

    private void refused(String key, String value, String rel, int line, String message) {
        var e = assertThrows(ConfigException.class, () -> flat.set(key, value), key + "=" + value);
        assertEquals(g.resolve(rel) + (line > 0 ? ":" + line : "") + ": " + message, e.getMessage());
    }

    @Test void resourceKeysAreCheckedAsReadChecksThem() throws Exception {
        refused("sched.tokens", "x", "sched/tokens", 1, "invalid tokens 'x' (expected an integer)");
        refused("sched.fill-rate", "5", "sched/fill-rate", 1,
                "fill-rate 5 is more than interval 4: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
        refused("sched.priority-bias", "-21", "sched/priority-bias", 1, "priority-bias -21 is outside -20..20");
        flat.set("sched.interval", "10");
        flat.set("sched.fill-rate", "5");                 // now within the interval written before
        assertEquals(Optional.of("5"), flat.get("sched.fill-rate"));
        refused("sched.interval", "4", "sched/fill-rate", 1,
                "fill-rate 5 is more than interval 4: that is more than one CPU's time per CPU (expected fill-rate <= interval)");
        Fixture.put(g, "sched/a/cpu-id", "0\n");
        Fixture.put(g, "sched/a/tokens-max", "100\n");
        refused("sched.tokens", "200", "sched/a/tokens-max", 1, "tokens 200 is outside 0..tokens-max (100)");
        assertFalse(Files.exists(g.resolve("sched/tokens")), "a refused value is not written");

        flat.set("cflags", "sched_hard, virt_mem");
        assertEquals("sched_hard\nvirt_mem\n", Fixture.read(g.resolve("cflags")));
        var e = assertThrows(ConfigException.class, () -> flat.set("cflags", "sched_hard,turbo"));
        assertTrue(e.getMessage().startsWith(g.resolve("cflags") + ":2: unknown context flag 'turbo'"), e.getMessage());

        refused("cpuset.cpus", "3-1", "cpuset/cpus", 1, "invalid CPU list '3-1': bad range '3-1' (expected the kernel's list format, e.g. 0-3,5)");
        refused("cpuset.mems", "", "cpuset/mems", 1, "empty memory node list (expected the kernel's list format, e.g. 0-3,5)");

        flat.set("rlimits.nproc", "100");
        flat.set("rlimits.rss.min", "1M");
        refused("rlimits.nproc.soft", "many", "rlimits/nproc.soft", 1,
                "invalid limit 'many' (expected a number, optionally with k/m/g (x1000) or K/M/G (x1024), or inf)");
        e = assertThrows(ConfigException.class, () -> flat.set("rlimits.bogus.soft", "1"));
        assertTrue(e.getMessage().startsWith(g.resolve("rlimits/bogus.soft") + ": unknown resource 'bogus.soft' (expected one of cpu"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> flat.set("ulimits.nofile.min", "1"));
        assertTrue(e.getMessage().startsWith(g.resolve("ulimits/nofile.min") + ": unknown resource 'nofile.min'"), e.getMessage());
        flat.set("ulimits.nofile", "inf");
        assertEquals(Optional.of("inf"), flat.get("ulimits.nofile"));
    }

    @Test void usernsKeys() throws Exception {
        assertEquals(g.resolve("userns/uidmap"), flat.file("userns.uidmap"));
        assertEquals(g.resolve("userns/gidmap"), flat.file("userns.gidmap"));
        assertEquals(g.resolve("userns/disabled"), flat.file("userns.disabled"));
        flat.set("userns.uidmap", " 1000000   65536 ");
        flat.set("userns.gidmap", "2000000 131072");
        flat.set("userns.disabled", "true");
        assertEquals("1000000 65536\n", Fixture.read(g.resolve("userns/uidmap")));
        assertEquals("", Fixture.read(g.resolve("userns/disabled")));
        assertEquals(Optional.of("1000000 65536"), flat.get("userns.uidmap"));
        assertEquals(Optional.of("true"), flat.get("userns.disabled"));
        assertTrue(flat.showText().contains("userns.gidmap = 2000000 131072\nuserns.uidmap = 1000000 65536\n"), flat.showText());
        JsonNode j = new ObjectMapper().readTree(flat.showJson());
        assertEquals(1000000, j.get("userns.uidmap").get(0).asLong());
        assertEquals(65536, j.get("userns.uidmap").get(1).asLong());
        assertTrue(j.get("userns.disabled").asBoolean());
        assertEquals(new IdRange(2_000_000, 131072), ConfigDir.read(new ConfigRoot(confdir), "web").userns().gid().orElseThrow());

        refused("userns.uidmap", "1000000", "userns/uidmap", 1,
                "expected 'HOSTFIRST COUNT' (guest ids 0..COUNT-1 are host ids HOSTFIRST..HOSTFIRST+COUNT-1), got '1000000'");
        refused("userns.gidmap", "1000 65536", "userns/gidmap", 1,
                "host id 1000 is the host's own: a guest's range starts at 65536 or above");
        refused("userns.uidmap", "1000000 1000", "userns/uidmap", 1,
                "count 1000 is below 65536: a guest needs ids 0..65535 (nobody is 65534)");
        assertEquals("1000000 65536\n", Fixture.read(g.resolve("userns/uidmap")), "a refused value leaves the old file");
        flat.set("userns.disabled", "false");
        assertFalse(Files.exists(g.resolve("userns/disabled")));
        // vserver's own marker (ShiftedRoot), shown as a flag like the opt-out
        assertEquals(g.resolve("userns/shifted"), flat.file("userns.shifted"));
        Fixture.put(g, "userns/shifted", "");
        assertTrue(new ObjectMapper().readTree(flat.showJson()).get("userns.shifted").asBoolean());
        assertTrue(ConfigDir.read(new ConfigRoot(confdir), "web").userns().shifted());
    }

    @Test void vprocunhideListIsShownAndChecked() throws Exception {
        assertEquals(g.resolve("apps/vprocunhide/files"), flat.file("vprocunhide.files"));
        assertEquals(g.resolve("apps/vprocunhide/files"), flat.file("apps.vprocunhide.files"));
        flat.set("vprocunhide.files", "+/proc/interrupts, !/proc/loadavg");
        assertEquals("+/proc/interrupts\n!/proc/loadavg\n", Fixture.read(g.resolve("apps/vprocunhide/files")));
        assertEquals("+/proc/interrupts,!/proc/loadavg", flat.show().get("vprocunhide.files"));
        assertTrue(flat.showText().contains("vprocunhide.files = +/proc/interrupts,!/proc/loadavg\n"), flat.showText());

        var e = assertThrows(ConfigException.class, () -> flat.set("vprocunhide.files", "+/proc/kcore,/etc/passwd"));
        assertEquals(g.resolve("apps/vprocunhide/files") + ":2: '/etc/passwd' is not below /proc or /sys: the list only"
                + " changes what the guest sees there", e.getMessage());
        // The check applies .defaults first, as read does.
        Fixture.put(confdir, ".defaults/apps/vprocunhide/files", "-/proc/sys/vm/\n");
        e = assertThrows(ConfigException.class, () -> flat.set("vprocunhide.files", ">/proc/sys/vm/swappiness"));
        assertTrue(e.getMessage().endsWith(":1: '/proc/sys/vm/swappiness' lies inside the hidden /proc/sys/vm (an empty tmpfs):"
                + " make /proc/sys/vm/ visible first"), e.getMessage());
        assertEquals("+/proc/interrupts\n!/proc/loadavg\n", Fixture.read(g.resolve("apps/vprocunhide/files")), "unchanged");
    }
}
