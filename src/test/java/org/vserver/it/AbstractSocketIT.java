package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * Abstract unix socket names (issue 11, item 8): shared-mode guests are on the host's network
 * namespace, whose abstract names ({@code @name}: no file, no permissions) are one table. A
 * guest, and a {@code chbind} command, must reach only names bound in its own context: never the
 * host's (CVE-2020-15257: containerd-shim's abstract socket gave host-network containers root),
 * never a neighbour's. The host's part is played by a network namespace of the test's own (the
 * table is per network namespace), so no name of the real host is touched.
 */
@RequiresRoot("starts real guests")
@RequiresKernel({Feature.LANDLOCK_SCOPES, Feature.CGROUP2})
class AbstractSocketIT {
    static TestHost host;
    static TestNetns ns;
    static String p, a, b, tag;

    /**
     * {@code serve NAME SECONDS}: a stream listener on {@code @NAME} that answers "hello from
     * NAME", and a datagram socket on {@code @NAME.d}; "ready" once both are bound.
     * {@code reach NAME}: one line, the stream connect's and the datagram sendto's outcome.
     * {@code own NAME}: binds {@code @NAME} and reaches it from a forked child (one process tree).
     */
    static final String PROBE = """
            import os, select, socket, sys, time
            mode, name = sys.argv[1], sys.argv[2]
            def stream(n):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5)
                try:
                    s.connect("\\0" + n); return "reply " + s.recv(64).decode()
                except OSError as e:
                    return "errno %d" % e.errno
            def dgram(n):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    s.sendto(b"x", "\\0" + n + ".d"); return "sent"
                except OSError as e:
                    return "errno %d" % e.errno
            def listen(n):
                l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind("\\0" + n); l.listen(8)
                d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind("\\0" + n + ".d")
                return l, d
            def answer(l, d, until):
                while time.time() < until:
                    r, _, _ = select.select([l, d], [], [], 0.5)
                    if l in r:
                        c, _ = l.accept(); c.send(("hello from " + name).encode()); c.close()
                    if d in r:
                        d.recv(64)
            if mode == "serve":
                l, d = listen(name)
                print("ready", flush=True)
                answer(l, d, time.time() + float(sys.argv[3]))
            elif mode == "reach":
                print("stream=%s dgram=%s" % (stream(name), dgram(name)))
            elif mode == "own":
                l, d = listen(name)
                pid = os.fork()
                if pid == 0:
                    print("stream=%s dgram=%s" % (stream(name), dgram(name)), flush=True)
                    os._exit(0)
                answer(l, d, time.time() + 3)
                os.waitpid(pid, 0)
            """;

    static final String REFUSED = "stream=errno 1 dgram=errno 1";   // a Landlock scope refuses with EPERM

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        ns = TestNetns.create("vsit-abstract-" + host.id);
        tag = "vsit-" + host.id;
        var r = ThreadLocalRandom.current();
        p = "127." + (100 + r.nextInt(50)) + "." + r.nextInt(256) + ".";
        a = host.build("absa");
        address(a, p + "1");
        b = host.build("absb");
        address(b, p + "11");
        start(a);
        start(b);
    }

    @AfterAll
    static void tearDown() throws Exception { SharedStack.close(host, ns); }

    static void address(String g, String ip) throws Exception { SharedStack.address(host, g, "00", ip, null); }

    static void start(String g) throws Exception { SharedStack.run(host, ns, g, "start"); }

    /** The probe run in guest {@code g} through {@code vserver g exec}; its one line. */
    static String in(String g, String mode, String name) throws Exception {
        var r = host.cliIn(ns.path, null, "vserver", g, "exec", "python3", "-c", PROBE, mode, name);
        assertEquals(0, r.code(), "probe in " + g + ":\n" + r);
        return r.out().strip();
    }

    /** A listener of the (test namespace's) host. */
    static Process serveOnHost(String name) throws Exception {
        Process s = ns.spawn("python3", "-c", PROBE, "serve", name, "60");
        TestNetns.awaitLine(s, "ready");
        return s;
    }

    /** A listener in guest {@code g}, started by {@code vserver g exec}. */
    static Process serveIn(String g, String name) throws Exception {
        Process s = host.spawnIn(ns.path, "vserver", g, "exec", "python3", "-c", PROBE, "serve", name, "60");
        TestNetns.awaitLine(s, "ready");
        return s;
    }

    static void end(Process p) throws Exception {
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a listener did not end");
    }

    @Test
    void aGuestCannotReachTheHostsAbstractNames() throws Exception {
        String name = tag + "-host";
        Process h = serveOnHost(name);
        try {
            assertEquals("stream=reply hello from " + name + " dgram=sent", ns.exec("python3", "-c", PROBE, "reach", name).strip(),
                    "the host reaches its own name");
            assertEquals(REFUSED, in(a, "reach", name), "guest a reached the host's abstract socket");
            assertEquals(REFUSED, in(b, "reach", name), "guest b reached the host's abstract socket");
        } finally {
            end(h);
        }
    }

    @Test
    void aGuestCannotReachItsNeighboursAbstractNames() throws Exception {
        String nameB = tag + "-b", nameA = tag + "-a";
        Process sb = serveIn(b, nameB);
        Process sa = serveIn(a, nameA);
        try {
            assertEquals(REFUSED, in(a, "reach", nameB), "guest a reached guest b's abstract socket");
            assertEquals(REFUSED, in(b, "reach", nameA), "guest b reached guest a's abstract socket");
        } finally {
            end(sa);
            end(sb);
        }
    }

    @Test
    void aGuestReachesItsOwnAbstractNames() throws Exception {
        String nameA = tag + "-own-a", nameB = tag + "-own-b";
        assertEquals("stream=reply hello from " + nameA + " dgram=sent", in(a, "own", nameA));
        assertEquals("stream=reply hello from " + nameB + " dgram=sent", in(b, "own", nameB));
    }

    /**
     * The limit of a Landlock scope, pinned so that a change of it is seen: a domain belongs to a
     * process tree, and each {@code vserver NAME exec} (or {@code enter}) starts a tree of its own
     * from the host, so it does not reach the names of the guest's other trees (its init's, another
     * exec's), nor they its names. Every tree reaches only the guest's names, never the host's.
     */
    @Test
    void eachExecIsAScopeOfItsOwn() throws Exception {
        String name = tag + "-exec";
        Process s = serveIn(a, name);
        try {
            assertEquals(REFUSED, in(a, "reach", name));
        } finally {
            end(s);
        }
    }

    @Test
    void aChbindCommandCannotReachTheHostsAbstractNames() throws Exception {
        String name = tag + "-chbind";
        Process h = serveOnHost(name);
        try {
            var r = host.cliIn(ns.path, null, "chbind", "--silent", "--ip", p + "21", "--", "python3", "-c", PROBE, "reach", name);
            assertEquals(0, r.code(), r.toString());
            assertEquals(REFUSED, r.out().strip(), "a chbind command reached the host's abstract socket");
            var own = host.cliIn(ns.path, null, "chbind", "--silent", "--ip", p + "21", "--", "python3", "-c", PROBE, "own", name + "-own");
            assertEquals("stream=reply hello from " + name + "-own dgram=sent", own.out().strip(), own.toString());
        } finally {
            end(h);
        }
    }

    @Test
    void aNetnsGuestHasATableOfItsOwn() throws Exception {
        // Not scoped (its own network namespace): the host's names do not exist there at all.
        String g = host.build("absn");
        host.config(g, "interfaces/mode", "none\n");
        String name = tag + "-none";
        Process h = serveOnHost(name);
        try {
            start(g);
            assertEquals("stream=errno 111 dgram=errno 111", in(g, "reach", name), "a name of another network namespace");
            assertEquals("stream=reply hello from " + name + "-own dgram=sent", in(g, "own", name + "-own"));
        } finally {
            end(h);
            host.cliIn(ns.path, null, "vserver", g, "stop");
            host.assertNothingLeftOf(g);
        }
    }
}
