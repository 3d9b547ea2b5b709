package org.vserver.config;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import org.vserver.limits.DefaultLimits;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.kernel.Rlimit;

/**
 * A guest's {@code rlimits/} after its fallbacks, per resource, the first that sets it:
 * <ol>
 *   <li>the guest's own {@code rlimits/<res>[.soft|.hard|.min]} (all its files for the resource together);</li>
 *   <li>for a per-process resource, the guest's {@code ulimits/<res>}: a raw setrlimit value the admin
 *       gave this guest, which a host-wide default must not override;</li>
 *   <li>{@code .defaults/rlimits/<res>[...]}: the site's default for every guest;</li>
 *   <li>{@link DefaultLimits#BUILT_IN}.</li>
 * </ol>
 * The files of one level replace those of the next for that resource; they are not merged value
 * by value (a guest's {@code nproc.soft} alone does not keep {@code .defaults}' hard value), as a
 * guest's file replaces the {@code .defaults} file everywhere else. {@code inf} at any level
 * switches the limit off.
 *
 * @param limits  the effective {@code rlimits/} (resources set by the guest's {@code ulimits/} only are absent)
 * @param origins where each of {@code limits} comes from
 */
public record EffectiveLimits(Map<Resource, Limit> limits, Map<Resource, Origin> origins) {

    /** Where an effective limit comes from; {@link #label} is what {@code status} prints. */
    public enum Origin {
        GUEST("guest"), DEFAULTS(".defaults"), BUILT_IN("built-in");

        private final String label;

        Origin(String label) { this.label = label; }

        public String label() { return label; }
    }

    public EffectiveLimits {
        limits = Collections.unmodifiableMap(limits.isEmpty() ? new EnumMap<>(Resource.class) : new EnumMap<>(limits));
        origins = Collections.unmodifiableMap(origins.isEmpty() ? new EnumMap<>(Resource.class) : new EnumMap<>(origins));
    }

    /** Reads the guest's {@code rlimits/} and {@code ulimits/} and {@code .defaults/rlimits/} of {@code files}. */
    public static EffectiveLimits read(ConfigFiles files) throws ConfigException {
        return of(LimitFiles.rlimits(files), LimitFiles.ulimits(files), files);
    }

    /** The same for a guest whose own {@code rlimits/} and {@code ulimits/} are read already: only {@code .defaults/rlimits/} is read. */
    static EffectiveLimits of(Map<Resource, Limit> guest, Map<Rlimit, Limit> guestUlimits, ConfigFiles files) throws ConfigException {
        var defaults = new ConfigFiles(files.defaultsDir(), files.defaultsDir().resolve(".none"));
        return of(guest, guestUlimits, LimitFiles.rlimits(defaults), DefaultLimits.BUILT_IN);
    }

    /** The guest {@code name} of {@code root}. */
    public static EffectiveLimits read(ConfigRoot root, String name) throws ConfigException {
        return read(new ConfigFiles(root.guestDir(name), root.defaultsDir()));
    }

    /** The rule of this class, on values already read. */
    static EffectiveLimits of(Map<Resource, Limit> guest, Map<Rlimit, Limit> guestUlimits, Map<Resource, Limit> defaults,
                              Map<Resource, Limit> builtIn) {
        var limits = new EnumMap<Resource, Limit>(Resource.class);
        var origins = new EnumMap<Resource, Origin>(Resource.class);
        for (Resource r : Resource.values()) {
            if (guest.containsKey(r)) {
                limits.put(r, guest.get(r));
                origins.put(r, Origin.GUEST);
            } else if (r.rlimit().isPresent() && guestUlimits.containsKey(r.rlimit().get())) {
                continue;                                           // the guest's ulimits/ decide
            } else if (defaults.containsKey(r)) {
                limits.put(r, defaults.get(r));
                origins.put(r, Origin.DEFAULTS);
            } else if (builtIn.containsKey(r)) {
                limits.put(r, builtIn.get(r));
                origins.put(r, Origin.BUILT_IN);
            }
        }
        return new EffectiveLimits(limits, origins);
    }
}
