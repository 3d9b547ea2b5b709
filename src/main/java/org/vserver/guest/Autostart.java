package org.vserver.guest;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.vserver.config.AutostartFiles;
import org.vserver.config.ConfigException;

/**
 * {@code vserver-autostart --mark MARK start|stop}: util-vserver's marked guests ({@code
 * apps/init/mark}), brought up at the host's boot in the order {@code apps/init/depends} gives
 * ({@link StartOrder}): a wave at a time, the guests of a wave in parallel; a guest whose
 * dependency failed to start is not started. A dependency is started even if it has no mark: the
 * guest needs it. Stop takes the marked guests down in the reverse order.
 */
public final class Autostart {
    private final Guests guests;
    private final Vserver vs;
    private final StatusText status;

    /** @param status how the CLI words status, compiled into each start (as `vserver NAME start` does) */
    public Autostart(Guests guests, StatusText status) {
        this.guests = guests;
        this.vs = guests.vserver();
        this.status = status;
    }

    /** What happened to one guest. */
    public record Outcome(String guest, boolean ok, String message) {}

    /** The marked guests and, transitively, what they depend on, in start order. */
    public StartOrder order(String mark) throws ConfigException, StartOrder.Unorderable {
        Set<String> known = new HashSet<>(vs.config().guestNames());
        Map<String, List<String>> depends = new LinkedHashMap<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String name : vs.config().guestNames())
            if (AutostartFiles.read(vs.config(), name).mark().filter(mark::equals).isPresent()) todo.add(name);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (depends.containsKey(name) || !known.contains(name)) continue;     // an unknown one: StartOrder names it
            List<String> d = AutostartFiles.read(vs.config(), name).depends();
            depends.put(name, d);
            todo.addAll(d);
        }
        return StartOrder.of(depends);
    }

    /** The marked guests only, for a stop: what they depend on may serve others. */
    private Set<String> marked(String mark) throws ConfigException {
        Set<String> out = new HashSet<>();
        for (String name : vs.config().guestNames())
            if (AutostartFiles.read(vs.config(), name).mark().filter(mark::equals).isPresent()) out.add(name);
        return out;
    }

    public List<Outcome> start(String mark) throws ConfigException, StartOrder.Unorderable, IOException {
        StartOrder order = order(mark);
        Set<String> failed = ConcurrentHashMap.newKeySet();
        List<Outcome> out = new ArrayList<>();
        for (List<String> wave : order.waves()) {
            Map<String, Future<Outcome>> running = new LinkedHashMap<>();
            try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String g : wave) {
                    List<String> broken = AutostartFiles.read(vs.config(), g).depends().stream().filter(failed::contains).toList();
                    if (!broken.isEmpty()) {
                        failed.add(g);
                        out.add(new Outcome(g, false, "not started: " + String.join(", ", broken) + " (apps/init/depends) did not start"));
                        continue;
                    }
                    running.put(g, ex.submit(() -> startOne(g)));
                }
            }
            for (var e : running.entrySet()) {
                Outcome o = join(e.getKey(), e.getValue());
                if (!o.ok()) failed.add(o.guest());
                out.add(o);
            }
        }
        return out;
    }

    public List<Outcome> stop(String mark) throws ConfigException, StartOrder.Unorderable, IOException {
        Set<String> marked = marked(mark);
        List<Outcome> out = new ArrayList<>();
        for (List<String> wave : order(mark).reversed()) {
            Map<String, Future<Outcome>> stopping = new LinkedHashMap<>();
            try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String g : wave) if (marked.contains(g)) stopping.put(g, ex.submit(() -> stopOne(g)));
            }
            for (var e : stopping.entrySet()) out.add(join(e.getKey(), e.getValue()));
        }
        return out;
    }

    private Outcome startOne(String g) {
        try {
            boolean started = new GuestStart(guests, status).start(g, null);
            return new Outcome(g, true, started ? "started" : "already running");
        } catch (IOException | ConfigException | RuntimeException e) {
            return new Outcome(g, false, "did not start: " + e.getMessage());
        }
    }

    private Outcome stopOne(String g) {
        try {
            boolean stopped = new GuestStop(guests).stop(g);
            return new Outcome(g, true, stopped ? "stopped" : "was not running");
        } catch (IOException | ConfigException | RuntimeException e) {
            return new Outcome(g, false, "did not stop: " + e.getMessage());
        }
    }

    private static Outcome join(String g, Future<Outcome> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return new Outcome(g, false, String.valueOf(e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(g, false, "interrupted");
        }
    }
}
