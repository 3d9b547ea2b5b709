package org.vserver.guest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The order autostart brings guests up in ({@code apps/init/depends}): waves, each of guests whose
 * dependencies all came up in an earlier wave, started in parallel; stopped in the reverse order.
 * Names in a wave are sorted, so the same configuration always gives the same order.
 *
 * @param waves the guests, wave by wave
 */
public record StartOrder(List<List<String>> waves) {
    public StartOrder {
        waves = waves.stream().map(List::copyOf).toList();
    }

    /** A guest named as a dependency that has no configuration, or a cycle: nothing may start. */
    public static final class Unorderable extends Exception {
        Unorderable(String message) { super(message); }
    }

    /**
     * @param depends each guest to start (the marked ones and, transitively, what they depend on)
     *                and the guests it depends on
     */
    public static StartOrder of(Map<String, List<String>> depends) throws Unorderable {
        for (var e : depends.entrySet())
            for (String d : e.getValue())
                if (!depends.containsKey(d))
                    throw new Unorderable("guest '" + e.getKey() + "' depends on '" + d + "' (apps/init/depends), which is no guest");
        Map<String, List<String>> left = new LinkedHashMap<>(depends);
        Set<String> up = new TreeSet<>();
        List<List<String>> waves = new ArrayList<>();
        while (!left.isEmpty()) {
            List<String> wave = new ArrayList<>(new TreeSet<>(left.entrySet().stream()
                    .filter(e -> up.containsAll(e.getValue())).map(Map.Entry::getKey).toList()));
            if (wave.isEmpty())
                throw new Unorderable("apps/init/depends makes a cycle among " + String.join(", ", new TreeSet<>(left.keySet()))
                        + ": none of them could start first");
            wave.forEach(left::remove);
            up.addAll(wave);
            waves.add(wave);
        }
        return new StartOrder(waves);
    }

    /** The waves of a stop: the last wave first. */
    public List<List<String>> reversed() {
        return waves.reversed();
    }
}
