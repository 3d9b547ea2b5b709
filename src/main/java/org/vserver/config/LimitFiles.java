package org.vserver.config;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

import org.vserver.limits.Limit;
import org.vserver.limits.LimitValue;
import org.vserver.limits.Resource;
import org.vserver.kernel.Rlimit;

/**
 * {@code rlimits/<res>[.soft|.hard|.min]} (per-guest limits, VServer resources) and
 * {@code ulimits/<res>[.soft|.hard]} (classic setrlimit values set on the init). {@code <res>}
 * alone sets soft and hard; the files with a suffix then override it, whatever the order on disk.
 */
final class LimitFiles {
    private LimitFiles() {}

    static final List<String> RLIMIT_SUFFIXES = List.of("soft", "hard", "min");
    /** setrlimit has no guarantee, so no {@code .min}. */
    static final List<String> ULIMIT_SUFFIXES = List.of("soft", "hard");

    static Map<Resource, Limit> rlimits(ConfigFiles files) throws ConfigException {
        return read(files, "rlimits", Resource.class, Resource::byName, Resource::lowerName, RLIMIT_SUFFIXES);
    }

    static Map<Rlimit, Limit> ulimits(ConfigFiles files) throws ConfigException {
        return read(files, "ulimits", Rlimit.class, LimitFiles::rlimitByName, Rlimit::lowerName, ULIMIT_SUFFIXES);
    }

    static Optional<Rlimit> rlimitByName(String name) {
        return Arrays.stream(Rlimit.values()).filter(r -> r.lowerName().equals(name)).findFirst();
    }

    /** A file name split into its resource and suffix ("" for none), or empty if it is not one. */
    record Name<K>(K resource, String suffix) {}

    static <K> Optional<Name<K>> parseName(String name, Function<String, Optional<K>> byName, List<String> suffixes) {
        Optional<K> whole = byName.apply(name);
        if (whole.isPresent()) return Optional.of(new Name<>(whole.get(), ""));
        int dot = name.lastIndexOf('.');
        if (dot < 0 || !suffixes.contains(name.substring(dot + 1))) return Optional.empty();
        return byName.apply(name.substring(0, dot)).map(r -> new Name<>(r, name.substring(dot + 1)));
    }

    private static <K extends Enum<K>> Map<K, Limit> read(ConfigFiles files, String dir, Class<K> type,
            Function<String, Optional<K>> byName, Function<K, String> lowerName, List<String> suffixes) throws ConfigException {
        var soft = new EnumMap<K, ConfigFiles.Line>(type);
        var out = new EnumMap<K, Limit>(type);
        // two passes: "<res>" first, so the files with a suffix override it whatever their name order
        List<String> names = files.entries(dir);
        for (boolean base : new boolean[] {true, false})
            for (String n : names) {
                Optional<Name<K>> name = parseName(n, byName, suffixes);
                if (name.isEmpty())
                    throw new ConfigException(files.guestDir().resolve(dir).resolve(n), unknown(n,
                            String.join(" ", Arrays.stream(type.getEnumConstants()).map(lowerName).toList()), suffixes));
                if (name.get().suffix().isEmpty() != base) continue;
                ConfigFiles.Line l = files.guest(dir + "/" + n).orElseThrow().nonEmptyScalar();
                long v = value(l);
                K r = name.get().resource();
                Limit old = out.getOrDefault(r, Limit.NONE);
                out.put(r, switch (name.get().suffix()) {
                    case "" -> new Limit(OptionalLong.of(v), OptionalLong.of(v), old.min());
                    case "soft" -> old.withSoft(v);
                    case "hard" -> old.withHard(v);
                    default -> old.withMin(v);
                });
                if (!name.get().suffix().equals("hard") && !name.get().suffix().equals("min")) soft.put(r, l);
            }
        for (var e : out.entrySet()) {
            Limit l = e.getValue();
            // setrlimit refuses soft > hard (EINVAL); say so now, at the file, not at start
            if (l.soft().isPresent() && l.hard().isPresent() && l.soft().getAsLong() > l.hard().getAsLong())
                throw soft.get(e.getKey()).error("soft limit " + LimitValue.format(l.soft().getAsLong())
                        + " is above the hard limit " + LimitValue.format(l.hard().getAsLong()));
        }
        return out;
    }

    /**
     * The check of {@code config set} for {@code rlimits/...} and {@code ulimits/...}: a known
     * resource name with an allowed suffix, and a value {@link LimitValue#parse} takes.
     */
    static void checkValue(ConfigFiles.Content c, String dir) throws ConfigException {
        String name = c.file().getFileName().toString();
        boolean known = dir.equals("rlimits")
                ? parseName(name, Resource::byName, RLIMIT_SUFFIXES).isPresent()
                : parseName(name, LimitFiles::rlimitByName, ULIMIT_SUFFIXES).isPresent();
        if (!known) {
            String names = dir.equals("rlimits")
                    ? String.join(" ", Arrays.stream(Resource.values()).map(Resource::lowerName).toList())
                    : String.join(" ", Arrays.stream(Rlimit.values()).map(Rlimit::lowerName).toList());
            List<String> suffixes = dir.equals("rlimits") ? RLIMIT_SUFFIXES : ULIMIT_SUFFIXES;
            throw new ConfigException(c.file(), unknown(name, names, suffixes));
        }
        value(c.nonEmptyScalar());
    }

    static String unknown(String name, String names, List<String> suffixes) {
        return "unknown resource '" + name + "' (expected one of " + names + ", alone or with ." + String.join(", .", suffixes) + ")";
    }

    static long value(ConfigFiles.Line l) throws ConfigException {
        try {
            return LimitValue.parse(l.text());
        } catch (IllegalArgumentException e) {
            throw l.error(e.getMessage());
        }
    }
}
