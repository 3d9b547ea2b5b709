package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.vserver.config.GuestConfig.InterfaceConfig;
import org.vserver.kernel.Capability;

class ConfigDirTest {
    @TempDir Path confdir;

    private ConfigRoot root() { return new ConfigRoot(confdir); }

    private Path g() { return confdir.resolve("web"); }

    /** Asserts read fails with exactly "file:line: message". */
    private void assertError(String rel, int line, String message) {
        var e = assertThrows(ConfigException.class, () -> ConfigDir.read(root(), "web"));
        Path file = rel.startsWith(".defaults/") ? confdir.resolve(rel) : g().resolve(rel);
        assertEquals(file + (line > 0 ? ":" + line : "") + ": " + message, e.getMessage());
        assertEquals(file, e.file());
        assertEquals(line, e.line());
    }

    @Test void fullGuest() throws Exception {
        Fixture.put(g(), "name", "Web Server\n");
        Fixture.put(g(), "context", "1042\n");
        Fixture.put(g(), "uts/nodename", "web.example.org\n");
        Fixture.put(g(), "uts/domainname", "example\n");
        Fixture.put(g(), "bcapabilities", "CAP_NET_RAW\n# comment\nsys_time\n!CAP_KILL\n~chown\n");
        Fixture.put(g(), "ccapabilities", "set_utsname\nPING\nmount\n!raw_icmp\n");
        Fixture.put(g(), "fstab", "# spec file type options\nnone /proc proc defaults 0 0\n\nnone /tmp tmpfs size=16m,mode=1777 0 0\n");
        Fixture.put(g(), "apps/init/style", "plain\n");
        Fixture.put(g(), "apps/init/runlevel", "2\n");
        Fixture.put(g(), "apps/init/runlevel.stop", "0\n");
        Fixture.put(g(), "apps/init/cmd.start", "/sbin/init\n--verbose\n");
        Fixture.put(g(), "apps/init/cmd.stop", "/sbin/halt\n");
        Fixture.put(g(), "apps/init/killseq", "TERM 10\nSIGINT 3 9\n");
        Fixture.put(g(), "apps/init/environment", "PATH=/usr/bin:/bin\nLANG=C.UTF-8\n");
        Fixture.put(g(), "shell", "/bin/bash   -l\n");
        Fixture.put(g(), "nice", "-5\n");
        Fixture.put(g(), "interfaces/00/ip", "192.0.2.10\n");
        Fixture.put(g(), "interfaces/00/dev", "eth0\n");
        Fixture.put(g(), "interfaces/00/prefix", "24\n");
        Fixture.put(g(), "interfaces/00/name", "web\n");
        Fixture.put(g(), "interfaces/01/ip", "2001:db8::10\n");
        Fixture.put(g(), "interfaces/01/nodev", "");
        Fixture.put(g(), "interfaces/01/disabled", "");
        Files.createSymbolicLink(g().resolve("vdir"), Path.of("/srv/web"));

        GuestConfig c = ConfigDir.read(root(), "web");
        assertEquals("web", c.name(), "the directory names the guest; the name file is a label");
        assertEquals(g(), c.cfgdir());
        assertEquals(Path.of("/srv/web"), c.vdir());
        assertEquals(OptionalInt.of(1042), c.context());
        assertEquals(new GuestConfig.Uts("web.example.org", "example"), c.uts());
        assertEquals(List.of(new CapabilityChange(Capability.NET_RAW, true), new CapabilityChange(Capability.SYS_TIME, true),
                new CapabilityChange(Capability.KILL, false), new CapabilityChange(Capability.CHOWN, false)), c.bcapabilities());
        assertEquals(List.of(new ContextCapabilityChange(ContextCapability.SET_UTSNAME, true),
                new ContextCapabilityChange(ContextCapability.RAW_ICMP, true),
                new ContextCapabilityChange(ContextCapability.SECURE_MOUNT, true),
                new ContextCapabilityChange(ContextCapability.RAW_ICMP, false)), c.ccapabilities());
        assertEquals(2, c.fstab().size());
        assertEquals(new GuestConfig.FstabEntry("none", "/tmp", "tmpfs", List.of("size=16m", "mode=1777"), 4), c.fstab().get(1));
        var init = c.init();
        assertEquals("plain", init.style());
        assertEquals("2", init.runlevelStart());
        assertEquals("0", init.runlevelStop());
        assertEquals(List.of("/sbin/init", "--verbose"), init.cmdStart());
        assertEquals(List.of("/sbin/halt"), init.cmdStop());
        assertEquals(List.of(15, 10, 2, 3, 9), init.killseq());
        assertEquals(List.of("PATH", "LANG"), List.copyOf(init.environment().keySet()));
        assertEquals("C.UTF-8", init.environment().get("LANG"));
        assertEquals(List.of("/bin/bash", "-l"), c.shell());
        assertEquals(OptionalInt.of(-5), c.nice());
        assertEquals(List.of(new InterfaceConfig("00", "192.0.2.10", "eth0", 24, "web", false, false),
                new InterfaceConfig("01", "2001:db8::10", null, null, null, true, true)), c.interfaces());
    }

    @Test void minimalGuestGetsDefaults() throws Exception {
        Files.createDirectories(g());
        GuestConfig c = ConfigDir.read(root(), "web");
        assertEquals("web", c.name());
        assertEquals(Path.of("/vservers/web"), c.vdir());
        assertEquals(OptionalInt.empty(), c.context());
        assertEquals(new GuestConfig.Uts(null, null), c.uts());
        assertEquals(List.of(), c.bcapabilities());
        assertEquals(List.of(), c.fstab());
        assertEquals(new GuestConfig.InitConfig("sysv", "3", "0", List.of(), List.of(), List.of(15, 5, 9),
                Map.of("PATH", "/bin:/usr/bin:/sbin:/usr/sbin")), c.init());
        assertEquals(List.of(), c.shell());
        assertEquals(OptionalInt.empty(), c.nice());
        assertEquals(List.of(), c.interfaces());
    }

    @Test void defaultsFallback() throws Exception {
        Files.createDirectories(g());
        Path d = confdir.resolve(".defaults");
        Files.createDirectories(d);
        Files.createSymbolicLink(d.resolve("vdirbase"), Path.of("/data/guests"));
        Fixture.put(d, "shell", "/bin/zsh\n");
        Fixture.put(d, "nice", "10\n");
        Fixture.put(d, "bcapabilities", "NET_ADMIN\n");
        Fixture.put(d, "apps/init/style", "openrc\n");
        Fixture.put(d, "apps/init/runlevel.start", "default\n");
        Fixture.put(d, "apps/init/killseq", "1 2 9\n");
        Fixture.put(d, "apps/init/environment", "PATH=/opt/bin\n");
        // identity and fstab never come from .defaults
        Fixture.put(d, "context", "99\n");
        Fixture.put(d, "fstab", "none /proc proc defaults\n");
        Fixture.put(d, "uts/nodename", "shared\n");

        GuestConfig c = ConfigDir.read(root(), "web");
        assertEquals(Path.of("/data/guests/web"), c.vdir());
        assertEquals(List.of("/bin/zsh"), c.shell());
        assertEquals(OptionalInt.of(10), c.nice());
        assertEquals(List.of(new CapabilityChange(Capability.NET_ADMIN, true)), c.bcapabilities());
        assertEquals("openrc", c.init().style());
        assertEquals("default", c.init().runlevelStart());
        assertEquals(List.of(1, 2, 9), c.init().killseq());
        assertEquals(Map.of("PATH", "/opt/bin"), c.init().environment());
        assertEquals(OptionalInt.empty(), c.context());
        assertEquals(List.of(), c.fstab());
        assertNull(c.uts().nodename());

        // the guest's own file wins, and its runlevel beats .defaults' runlevel.start
        Fixture.put(g(), "shell", "/bin/bash\n");
        Fixture.put(g(), "apps/init/runlevel", "4\n");
        c = ConfigDir.read(root(), "web");
        assertEquals(List.of("/bin/bash"), c.shell());
        assertEquals("4", c.init().runlevelStart());
    }

    @Test void vdirLinkRelativeOrDirectory() throws Exception {
        Files.createDirectories(g());
        Files.createSymbolicLink(g().resolve("vdir"), Path.of("../../roots/web"));
        assertEquals(confdir.getParent().resolve("roots/web"), ConfigDir.read(root(), "web").vdir());
        Files.delete(g().resolve("vdir"));
        Files.createDirectories(g().resolve("vdir"));
        assertEquals(g().resolve("vdir"), ConfigDir.read(root(), "web").vdir());
    }

    @Test void missingGuest() {
        var e = assertThrows(ConfigException.class, () -> ConfigDir.read(root(), "nope"));
        assertEquals(confdir.resolve("nope") + ": no such guest (configuration directory missing)", e.getMessage());
    }

    @Test void invalidNameIsRefusedBeforeTouchingTheFilesystem() {
        var e = assertThrows(ConfigException.class, () -> ConfigDir.read(root(), "../etc"));
        assertTrue(e.getMessage().contains("invalid guest name '../etc'"), e.getMessage());
    }

    @Test void contextErrors() {
        for (String bad : List.of("0", "1", "65536", "abc", "-3", "4.5")) {
            Fixture.put(g(), "context", bad + "\n");
            assertError("context", 1, "invalid context '" + bad + "': expected a number 2..65535 (0 is the host, 1 the spectator)");
        }
        Fixture.put(g(), "context", "\n");
        assertError("context", 1, "empty value");
    }

    @Test void contextAcceptsTheWholeStaticRange() throws Exception {
        for (int x : new int[] {2, 49151, 49152, 65535}) {
            Fixture.put(g(), "context", x + "\n");
            assertEquals(OptionalInt.of(x), ConfigDir.read(root(), "web").context());
        }
    }

    @Test void utsErrors() {
        Fixture.put(g(), "uts/nodename", "bad host\n");
        assertError("uts/nodename", 1, "invalid nodename 'bad host' (letters, digits, '-', '.', '_')");
        Fixture.put(g(), "uts/nodename", "a".repeat(65) + "\n");
        assertError("uts/nodename", 1, "nodename longer than 64 characters");
        Fixture.put(g(), "uts/nodename", "ok\n");
        Fixture.put(g(), "uts/domainname", "with space\n");
        assertError("uts/domainname", 1, "invalid domainname 'with space' (no spaces or control characters)");
    }

    @Test void capabilityErrorsNameTheLine() {
        Fixture.put(g(), "bcapabilities", "NET_RAW\n\nCAP_FLY\n");
        assertError("bcapabilities", 3, "unknown capability 'CAP_FLY' (expected a name like CAP_NET_RAW)");
        Fixture.put(g(), "bcapabilities", "!NOPE\n");
        assertError("bcapabilities", 1, "unknown capability 'NOPE' (expected a name like CAP_NET_RAW)");
        Fixture.put(g(), "bcapabilities", "");
        Fixture.put(g(), "ccapabilities", "raw_icmp\nteleport\n");
        var e = assertThrows(ConfigException.class, () -> ConfigDir.read(root(), "web"));
        assertTrue(e.getMessage().startsWith(g().resolve("ccapabilities") + ":2: unknown context capability 'teleport' (known: "),
                e.getMessage());
    }

    @Test void allReferenceCcapsAndAliasesAreKnown() throws Exception {
        Fixture.put(g(), "ccapabilities", String.join("\n", "set_utsname", "set_rlimit", "fs_security", "fs_trusted",
                "tiocsti", "raw_icmp", "syslog", "oom_adjust", "audit_control", "secure_mount", "secure_remount",
                "binary_mount", "dev_mount", "quota_ctl", "admin_mapper", "admin_cloop", "kthread", "namespace",
                "mount", "remount", "icmp", "ping", "utsname", "rlimit", "VXC_SYSLOG") + "\n");
        var caps = ConfigDir.read(root(), "web").ccapabilities().stream().map(ContextCapabilityChange::capability).toList();
        assertEquals(List.of(ContextCapability.values()), caps.subList(0, 18));
        assertEquals(List.of(ContextCapability.SECURE_MOUNT, ContextCapability.SECURE_REMOUNT, ContextCapability.RAW_ICMP,
                ContextCapability.RAW_ICMP, ContextCapability.SET_UTSNAME, ContextCapability.SET_RLIMIT, ContextCapability.SYSLOG),
                caps.subList(18, 25));
    }

    @Test void initErrors() {
        Fixture.put(g(), "apps/init/style", "systemd-ish\n");
        assertError("apps/init/style", 1, "unknown init style 'systemd-ish' (known: gentoo, minit, openrc, plain, rescue, systemd, sysv)");
        Fixture.put(g(), "apps/init/style", "arch\n");
        assertError("apps/init/style", 1, "init style 'arch' is gone: Arch Linux boots systemd since 2012: use `systemd`");
        Fixture.put(g(), "apps/init/style", "sysv\n");
        Fixture.put(g(), "apps/init/runlevel.start", "3 4\n");
        assertError("apps/init/runlevel.start", 1, "invalid runlevel '3 4'");
        Fixture.put(g(), "apps/init/runlevel.start", "3\n");
        Fixture.put(g(), "apps/init/environment", "PATH=/bin\nLANG\n");
        assertError("apps/init/environment", 2, "expected VAR=VALUE, got 'LANG'");
        Fixture.put(g(), "apps/init/environment", "PATH=/bin\n");
        Fixture.put(g(), "apps/init/timeout.stop", "0\n");
        assertError("apps/init/timeout.stop", 1, "not a timeout in seconds: '0' (a whole number from 1 to 3600)");
        Fixture.put(g(), "apps/init/timeout.stop", "45\n");
        Fixture.put(g(), "apps/init/timeout.start", "soon\n");
        assertError("apps/init/timeout.start", 1, "not a timeout in seconds: 'soon' (a whole number from 1 to 3600)");
    }

    @Test void initTimeouts() throws Exception {
        Fixture.put(g(), "apps/init/style", "systemd\n");
        assertEquals(30, ConfigDir.read(root(), "web").init().stopTimeout(), "the default");
        assertEquals(90, ConfigDir.read(root(), "web").init().startTimeout(), "the default");
        Fixture.put(g(), "apps/init/timeout.stop", "45\n");
        Fixture.put(g(), "apps/init/timeout.start", "300\n");
        assertEquals(45, ConfigDir.read(root(), "web").init().stopTimeout());
        assertEquals(300, ConfigDir.read(root(), "web").init().startTimeout());
    }

    @Test void shellAndNice() throws Exception {
        Fixture.put(g(), "nice", "20\n");
        assertError("nice", 1, "invalid nice '20': expected a number -20..19");
        Fixture.put(g(), "nice", "x\n");
        assertError("nice", 1, "invalid nice 'x': expected a number -20..19");
        Fixture.put(g(), "nice", "-20\n");
        assertEquals(OptionalInt.of(-20), ConfigDir.read(root(), "web").nice());
    }

    @Test void errorsInDefaultsNameTheDefaultsFile() throws Exception {
        Files.createDirectories(g());
        Fixture.put(confdir, ".defaults/apps/init/killseq", "15 5\n");
        assertError(".defaults/apps/init/killseq", 1,
                "killseq must be 'sig [wait sig]*' (an odd number of items), it ends with a wait");
    }

    @Test void unsupportedUtsFilesAreListedNotRead() throws Exception {
        Fixture.put(g(), "uts/nodename", "web\n");
        Fixture.put(g(), "uts/release", "2.6.32-vs\n");
        Fixture.put(g(), "uts/machine", "i686\n");
        assertEquals(List.of(g().resolve("uts/release"), g().resolve("uts/machine")), ConfigDir.unsupportedUts(g()));
        assertEquals("web", ConfigDir.read(root(), "web").uts().nodename());
        assertEquals(List.of(), ConfigDir.unsupportedUts(confdir.resolve("other")));
    }

    @Test void procVisibilityLayersDefaultsThenTheGuest() throws Exception {
        Fixture.guest(confdir, "web");
        assertEquals(ProcVisibility.SECURE_DEFAULT, ConfigDir.read(root(), "web").proc(), "no list: the secure default");
        Fixture.put(confdir, ".defaults/apps/vprocunhide/files", "# host-wide\n!/proc/loadavg\n+/proc/interrupts\n");
        var d = ConfigDir.read(root(), "web").proc();
        assertTrue(d.maskedFiles().contains("/proc/loadavg"));
        assertFalse(d.maskedFiles().contains("/proc/interrupts"));
        Fixture.put(g(), "apps/vprocunhide/files", "+/proc/loadavg\n-/proc/sys/vm/\n");
        var v = ConfigDir.read(root(), "web").proc();
        assertFalse(v.maskedFiles().contains("/proc/loadavg"), "the guest's line overrides .defaults'");
        assertFalse(v.maskedFiles().contains("/proc/interrupts"), ".defaults' lines still apply");
        assertTrue(v.maskedDirs().contains("/proc/sys/vm"));
    }

    @Test void procVisibilityErrorsNameFileAndLine() throws Exception {
        Fixture.guest(confdir, "web");
        Fixture.put(g(), "apps/vprocunhide/files", "+/proc/interrupts\n\n/etc/shadow\n");
        assertError("apps/vprocunhide/files", 3, "'/etc/shadow' is not below /proc or /sys: the list only changes what the guest sees there");
        Fixture.put(g(), "apps/vprocunhide/files", "+/proc/sys/vm/swappiness\n");
        Fixture.put(confdir, ".defaults/apps/vprocunhide/files", "!/proc/sys/vm/\n");
        assertError("apps/vprocunhide/files", 1,
                "'/proc/sys/vm/swappiness' lies inside the hidden /proc/sys/vm (an empty tmpfs): make /proc/sys/vm/ visible first");
        Fixture.put(confdir, ".defaults/apps/vprocunhide/files", "!proc\n");
        assertError(".defaults/apps/vprocunhide/files", 1, "'proc' must be an absolute path (/proc/... or /sys/...)");
    }
}
