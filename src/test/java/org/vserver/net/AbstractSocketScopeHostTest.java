package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Btf;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;

/**
 * The abstract unix socket programs on this host's kernel: two contexts (cgroups a and b under a
 * throw-away parent of the unified hierarchy) with the scoped programs, the guard of the parent on
 * the root, and a python probe in a fresh network namespace (its own table of abstract names, so
 * nothing of the host's is touched; the programs are keyed by cgroup and apply in any namespace).
 * Skips on a kernel without the BPF LSM, naming what it lacks.
 */
class AbstractSocketScopeHostTest {
    static final String PRELUDE = """
            import os, socket, sys, time, signal
            def join(cg):
                with open(cg + "/cgroup.procs", "w") as f: f.write("0")
            def inside(cg, fn):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    try:
                        if cg: join(cg)
                        res = fn()
                    except OSError as e:
                        res = "errno=%d" % e.errno
                    os.write(w, str(res).encode())
                    os._exit(0)
                os.close(w)
                out = b""
                while True:
                    b = os.read(r, 4096)
                    if not b: break
                    out += b
                os.waitpid(pid, 0)
                return out.decode()
            daemons = []
            def serve(cg, name, typ=socket.SOCK_STREAM):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    if cg: join(cg)
                    s = socket.socket(socket.AF_UNIX, typ)
                    s.bind(name)
                    if typ == socket.SOCK_STREAM: s.listen(8)
                    os.write(w, b"up")
                    while True:
                        if typ == socket.SOCK_STREAM:
                            c, _ = s.accept(); c.send(b"hi"); c.close()
                        else:
                            s.recv(100)
                os.close(w)
                assert os.read(r, 2) == b"up"
                daemons.append(pid)
            def stream(name):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(5)
                s.connect(name)
                return "ok:" + s.recv(10).decode()
            def dgram(name):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.sendto(b"x", name)
                return "ok"
            def done():
                for p in daemons: os.kill(p, signal.SIGKILL)
            """;

    final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final Syscalls sys = new LinuxSyscalls();
    Path top, root;
    long topId;
    AbstractSocketPrograms.Layout layout;

    @BeforeEach void onlyAsRootWithTheBpfLsm() throws IOException {
        assumeTrue(!"false".equals(System.getProperty("vserver.it")), "integration tests disabled (-Dvserver.it=false)");
        assumeTrue(sys.geteuid() == 0, "needs root: loads and attaches BPF programs");
        Path unified = Path.of("/sys/fs/cgroup/unified");
        Path v2 = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup")
                : Files.isRegularFile(unified.resolve("cgroup.procs")) ? unified : null;
        assumeTrue(v2 != null, "no cgroup2 hierarchy on this host");
        assumeTrue(Files.isReadable(Btf.VMLINUX), "no kernel BTF (" + Btf.VMLINUX + ")");
        try {
            layout = AbstractSocketScope.layout();
            AbstractSocketScope.requireKernel(sys, layout);
        } catch (IOException e) {
            assumeTrue(false, e.getMessage());
        }
        top = v2.resolve("vserver-test-" + id);
        Files.createDirectory(top);
        topId = AbstractSocketScope.cgroupId(top);
        root = AbstractSocketScope.root(top);
    }

    @AfterEach void removeEverything() throws Exception {
        if (top == null) return;
        AbstractSocketScope.release(sys, layout, root, topId);
        try (var s = Files.list(top)) {
            for (Path d : s.filter(Files::isDirectory).toList()) SockAddrProgramsHostTest.rmdir(d);
        }
        SockAddrProgramsHostTest.rmdir(top);
        assertFalse(Files.exists(top), "test cgroup left behind");
        assertEquals(List.of(), AbstractSocketScope.guardsOf(sys, layout, root, topId), "unix socket guard left on " + root);
    }

    Path context(String name) throws IOException {
        Path d = top.resolve(name);
        Files.createDirectory(d);
        AbstractSocketScope.attach(sys, layout, d);
        return d;
    }

    Map<String, String> probe(String body) throws Exception {
        Process p = new ProcessBuilder("unshare", "-n", "python3", "-c", PRELUDE + body + "\ndone()\n").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe hangs");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the probe failed:\n" + out);
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) results.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return results;
    }

    static String py(Object s) { return "'" + s + "'"; }

    @Test void aContextReachesOnlyItsOwnAbstractNames() throws Exception {
        Path a = context("a"), b = context("b");
        AbstractSocketScope.guard(sys, layout, top);
        AbstractSocketScope.guard(sys, layout, top);                       // idempotent: one guard per hook
        assertEquals(AbstractSocketPrograms.Hook.values().length, AbstractSocketScope.guardsOf(sys, layout, root, topId).size());
        Path dir = Files.createTempDirectory("vserver-unix-");
        try {
            var r = probe("""
                    A, B, D = %s, %s, %s
                    serve(None, "\\0host"); serve(None, "\\0hostd", socket.SOCK_DGRAM); serve(None, D + "/path")
                    serve(A, "\\0a"); serve(A, "\\0ad", socket.SOCK_DGRAM); serve(B, "\\0b")
                    print("a_host=" + inside(A, lambda: stream("\\0host")))
                    print("a_hostd=" + inside(A, lambda: dgram("\\0hostd")))
                    print("a_b=" + inside(A, lambda: stream("\\0b")))
                    print("a_a=" + inside(A, lambda: stream("\\0a")))
                    print("a_ad=" + inside(A, lambda: dgram("\\0ad")))
                    print("a_path=" + inside(A, lambda: stream(D + "/path")))
                    print("b_b=" + inside(B, lambda: stream("\\0b")))
                    print("host_a=" + inside(None, lambda: stream("\\0a")))
                    print("host_ad=" + inside(None, lambda: dgram("\\0ad")))
                    print("host_host=" + inside(None, lambda: stream("\\0host")))
                    def pair():
                        x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
                        x.send(b"p"); return "ok:" + y.recv(1).decode()
                    print("a_pair=" + inside(A, pair))
                    """.formatted(py(a), py(b), py(dir)));
            assertEquals("errno=111", r.get("a_host"), "guest to a host name: " + r);
            assertEquals("errno=111", r.get("a_hostd"), "guest datagram to a host name: " + r);
            assertEquals("errno=111", r.get("a_b"), "guest to a neighbour's name: " + r);
            assertEquals("ok:hi", r.get("a_a"), "guest to its own name: " + r);
            assertEquals("ok", r.get("a_ad"), "guest datagram to its own name: " + r);
            assertEquals("ok:hi", r.get("a_path"), "a path name keeps its file permissions only: " + r);
            assertEquals("ok:hi", r.get("b_b"), r.toString());
            assertEquals("errno=111", r.get("host_a"), "host client to a name a guest bound (squatting): " + r);
            assertEquals("errno=111", r.get("host_ad"), "host datagram to a name a guest bound: " + r);
            assertEquals("ok:hi", r.get("host_host"), r.toString());
            assertEquals("ok:p", r.get("a_pair"), r.toString());
        } finally {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
