package org.vserver.seccomp;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A seccomp policy by system call name, independent of numbers.
 *
 * @param arches  the ABIs the filter admits; a call of any other arch kills the process
 * @param rules   per system call name; a name absent here gets {@code otherwise}
 * @param otherwise the decision for every other call the tables know
 * @param unknown the action for numbers no table knows (newer than the build's headers): ENOSYS,
 *                so a C library falls back to an older call as it would on an older kernel
 */
public record Profile(Set<Arch> arches, Map<String, Decision> rules, Action otherwise, Action unknown) {
    public Profile {
        arches = Collections.unmodifiableSet(arches.isEmpty() ? EnumSet.noneOf(Arch.class) : EnumSet.copyOf(arches));
        rules = Collections.unmodifiableMap(new TreeMap<>(rules));
    }

    /** The decision for {@code name}. */
    public Decision decision(String name) { return rules.getOrDefault(name, otherwise); }

    /** This profile with {@code name} decided by {@code d}. */
    public Profile with(String name, Decision d) {
        var m = new TreeMap<>(rules);
        m.put(name, d);
        return new Profile(arches, m, otherwise, unknown);
    }
}
