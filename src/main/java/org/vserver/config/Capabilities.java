package org.vserver.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.vserver.kernel.Capability;

/**
 * {@code bcapabilities} (Linux capability names) and {@code ccapabilities} (VServer context
 * capabilities, reference §4.4), one name a line. In both, a {@code !} or {@code ~} prefix removes
 * instead of adds.
 */
final class Capabilities {
    private Capabilities() {}

    private static final String KNOWN_CCAPS = String.join(", ",
            Arrays.stream(ContextCapability.values()).map(ContextCapability::lowerName).sorted().toList());

    static List<CapabilityChange> bounding(ConfigFiles.Content content) throws ConfigException {
        return changes(content, Capability::parse, CapabilityChange::new,
                name -> "unknown capability '" + name + "' (expected a name like CAP_NET_RAW)");
    }

    static List<ContextCapabilityChange> context(ConfigFiles.Content content) throws ConfigException {
        return changes(content, ContextCapability::parse, ContextCapabilityChange::new,
                name -> "unknown context capability '" + name + "' (known: " + KNOWN_CCAPS + ")");
    }

    /** Each line parsed by {@code parse}, which throws IllegalArgumentException for a name it does not know. */
    private static <C, R> List<R> changes(ConfigFiles.Content content, Function<String, C> parse,
                                          BiFunction<C, Boolean, R> change, Function<String, String> unknown)
            throws ConfigException {
        var out = new ArrayList<R>();
        for (ConfigFiles.Line l : content.items()) {
            boolean remove = l.text().startsWith("!") || l.text().startsWith("~");   // ~ is util-vserver's
            String name = remove ? l.text().substring(1).strip() : l.text();
            try {
                out.add(change.apply(parse.apply(name), !remove));
            } catch (IllegalArgumentException e) {
                throw l.error(unknown.apply(name));
            }
        }
        return out;
    }
}
