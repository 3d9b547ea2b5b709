package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test makes for itself ({@code ip netns add}) and plays the host's part in:
 * vserver runs in it through {@code nsenter --net}, so the addresses, links and bridges it makes
 * are this namespace's, and no test traffic reaches the real host's devices. Deleting it takes
 * everything in it along.
 */
final class TestNetns implements AutoCloseable {
    final String name;
    final Path path;
    private final List<Process> spawned = new ArrayList<>();

    private TestNetns(String name) {
        this.name = name;
        this.path = Path.of("/run/netns", name);
    }

    static TestNetns create(String name) throws Exception {
        run(List.of("ip", "netns", "add", name));
        var ns = new TestNetns(name);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** {@code ip -n NAME ARGS}, which must succeed; its stdout. */
    String ip(String... args) throws Exception {
        var cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** A command in this namespace, which must succeed; its stdout. */
    String exec(String... cmd) throws Exception {
        return run(in(List.of(cmd)));
    }

    /** {@code cmd} started in this namespace, killed at {@link #close} if still running. */
    Process spawn(String... cmd) throws Exception {
        Process p = new ProcessBuilder(in(List.of(cmd))).redirectErrorStream(true).start();
        spawned.add(p);
        return p;
    }

    List<String> in(List<String> cmd) {
        var full = new ArrayList<>(List.of("nsenter", "--net=" + path));
        full.addAll(cmd);
        return full;
    }

    /** Reads lines of {@code p}'s output until one starts with {@code prefix} (a server's "ready"); fails after 20 s. */
    static String awaitLine(Process p, String prefix) throws Exception {
        var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < end) {
            String l = r.readLine();
            if (l == null) break;
            if (l.startsWith(prefix)) return l;
            seen.append(l).append('\n');
        }
        throw new AssertionError("no line starting with '" + prefix + "' from " + p.info().commandLine().orElse("?") + "; saw:\n" + seen);
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    @Override
    public void close() throws Exception {
        for (Process p : spawned) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        run(List.of("ip", "netns", "del", name));
    }
}
