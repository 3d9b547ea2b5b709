package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Guests on the host's network stack (interfaces/mode shared) in a test: the "host" stack is a
 * network namespace of the test's own ({@link TestNetns}), so addresses and listeners never touch
 * the real host's. What SharedNetworkIT, LoopbackIT and AbstractSocketIT all need, once.
 */
final class SharedStack {
    private SharedStack() {}

    /** Address {@code id} of guest {@code g} on the namespace's lo, labelled {@code name} if not null. */
    static void address(TestHost host, String g, String id, String ip, String name) throws Exception {
        host.config(g, "interfaces/" + id + "/ip", ip + "\n");
        host.config(g, "interfaces/" + id + "/dev", "lo\n");
        if (name != null) host.config(g, "interfaces/" + id + "/name", name + "\n");
    }

    /** {@code vserver g VERB} in the namespace, which must succeed. */
    static void run(TestHost host, TestNetns ns, String g, String verb) throws Exception {
        var r = host.cliIn(ns.path, null, "vserver", g, verb);
        assertEquals(0, r.code(), verb + " " + g + ":\n" + r);
    }

    /** Stops every guest of {@code host} in the namespace (where their addresses are), then removes both. */
    static void close(TestHost host, TestNetns ns) throws Exception {
        try {
            if (host != null) for (String g : host.vs.state().names()) host.cliIn(ns.path, null, "vserver", g, "stop");
            if (ns != null) ns.close();
        } finally {
            if (host != null) host.close();
        }
    }

    static String[] concat(String[] x, String... y) {
        String[] out = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    /** A random port for a listener, away from the ephemeral range's start. */
    static int port() { return 20000 + ThreadLocalRandom.current().nextInt(20000); }
}
