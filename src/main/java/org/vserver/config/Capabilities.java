package org.vserver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.kernel.Capability;

/**
 * {@code bcapabilities} (Linux capability names) and {@code ccapabilities} (VServer context
 * capabilities, reference §4.4). In both, a {@code !} or {@code ~} prefix removes instead of adds.
 */
final class Capabilities {
    private Capabilities() {}

    /** The context capabilities of the last VServer kernels (include/uapi/vserver/context.h). */
    static final Set<String> CCAPS = Set.of(
            "set_utsname", "set_rlimit", "fs_security", "fs_trusted", "tiocsti", "raw_icmp", "syslog",
            "oom_adjust", "audit_control", "secure_mount", "secure_remount", "binary_mount", "dev_mount",
            "quota_ctl", "admin_mapper", "admin_cloop", "kthread", "namespace");

    /** util-vserver's deprecated spellings (lib/val2text-t2v-ccaps.c), still found in old configs. */
    static final Map<String, String> CCAP_ALIASES = Map.of(
            "mount", "secure_mount", "remount", "secure_remount", "icmp", "raw_icmp", "ping", "raw_icmp",
            "utsname", "set_utsname", "rlimit", "set_rlimit");

    static List<CapabilityChange> bounding(ConfigFiles.Content content) throws ConfigException {
        var out = new ArrayList<CapabilityChange>();
        for (ConfigFiles.Line l : content.items()) {
            boolean remove = l.text().startsWith("!") || l.text().startsWith("~");
            String name = remove ? l.text().substring(1).strip() : l.text();
            try {
                out.add(new CapabilityChange(Capability.parse(name), !remove));
            } catch (IllegalArgumentException e) {
                throw l.error("unknown capability '" + name + "' (expected a name like CAP_NET_RAW)");
            }
        }
        return out;
    }

    /** Canonical lower-case names, aliases resolved; a removal is written {@code !name}. */
    static List<String> context(ConfigFiles.Content content) throws ConfigException {
        var out = new ArrayList<String>();
        for (ConfigFiles.Line l : content.items()) {
            boolean remove = l.text().startsWith("!") || l.text().startsWith("~");
            String name = (remove ? l.text().substring(1).strip() : l.text()).toLowerCase(Locale.ROOT);
            if (name.startsWith("vxc_")) name = name.substring(4);
            name = CCAP_ALIASES.getOrDefault(name, name);
            if (!CCAPS.contains(name))
                throw l.error("unknown context capability '" + l.text() + "' (known: "
                        + String.join(", ", CCAPS.stream().sorted().toList()) + ")");
            out.add(remove ? "!" + name : name);
        }
        return out;
    }
}
