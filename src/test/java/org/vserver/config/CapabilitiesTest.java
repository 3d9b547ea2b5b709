package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;
import static org.vserver.config.ContextCapability.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.vserver.kernel.Capability;

/** The {@code ccapabilities} parser (and {@code bcapabilities}, whose prefixes it shares). */
class CapabilitiesTest {
    private static final Path FILE = Path.of("/etc/vservers/web/ccapabilities");

    private static List<ContextCapabilityChange> context(String text) throws ConfigException {
        return Capabilities.context(ConfigFiles.Content.of(FILE, text));
    }

    private static ContextCapabilityChange add(ContextCapability c) { return new ContextCapabilityChange(c, true); }

    private static ContextCapabilityChange remove(ContextCapability c) { return new ContextCapabilityChange(c, false); }

    @Test void everyNameReadsBackAsItself() {
        for (ContextCapability c : ContextCapability.values()) {
            assertEquals(c, ContextCapability.parse(c.lowerName()));
            assertEquals(c, ContextCapability.parse(c.name()));
        }
    }

    /** util-vserver's vc_text2ccap: any case, with or without VXC_, and the deprecated aliases. */
    @Test void utilVserverSpellings() throws Exception {
        assertEquals(List.of(add(RAW_ICMP), add(RAW_ICMP), add(RAW_ICMP), add(RAW_ICMP), add(RAW_ICMP), add(RAW_ICMP)),
                context("raw_icmp\nRAW_ICMP\nvxc_raw_icmp\nVXC_Raw_Icmp\nping\nVXC_ICMP\n"));
        assertEquals(List.of(add(SECURE_MOUNT), add(SECURE_REMOUNT), add(SET_UTSNAME), add(SET_RLIMIT)),
                context("mount\nremount\nutsname\nrlimit\n"));
    }

    @Test void bangOrTildeRemoves() throws Exception {
        assertEquals(List.of(remove(RAW_ICMP), remove(SET_UTSNAME), remove(AUDIT_CONTROL), add(SYSLOG)),
                context("!raw_icmp\n~utsname\n! vxc_audit_control\nsyslog\n"));
    }

    @Test void blankLinesAndCommentsAreSkipped() throws Exception {
        assertEquals(List.of(add(KTHREAD)), context("# the nfs server\n\n  kthread  \n"));
    }

    @Test void anUnknownNameIsAnErrorAtItsLine() {
        var e = assertThrows(ConfigException.class, () -> context("raw_icmp\n# comment\n!teleport\n"));
        assertEquals(FILE, e.file());
        assertEquals(3, e.line());
        assertEquals(FILE + ":3: unknown context capability 'teleport' (known: admin_cloop, admin_mapper, audit_control,"
                + " binary_mount, dev_mount, fs_security, fs_trusted, kthread, namespace, oom_adjust, quota_ctl, raw_icmp,"
                + " secure_mount, secure_remount, set_rlimit, set_utsname, syslog, tiocsti)", e.getMessage());
        // the prefix is not a name; a Linux capability is not a context capability
        assertEquals(1, assertThrows(ConfigException.class, () -> context("vxc_\n")).line());
        assertEquals(1, assertThrows(ConfigException.class, () -> context("CAP_NET_RAW\n")).line());
    }

    @Test void boundingUsesTheSamePrefixes() throws Exception {
        assertEquals(List.of(new CapabilityChange(Capability.NET_RAW, false), new CapabilityChange(Capability.KILL, false),
                        new CapabilityChange(Capability.SYS_TIME, true)),
                Capabilities.bounding(ConfigFiles.Content.of(FILE, "!CAP_NET_RAW\n~ kill\nsys_time\n")));
    }
}
