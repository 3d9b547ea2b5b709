package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;

/**
 * The address policy enforced by this host's kernel. Each test attaches policies to throw-away
 * cgroups of the unified hierarchy and runs a python probe under {@code unshare -n}: a fresh
 * network namespace whose lo holds all of 127.0.0.0/8 (and the IPv6 addresses the probe adds), so
 * the host's addresses are never touched, while cgroup-bpf applies in any namespace. The probe's
 * children join a cgroup, act, and report one {@code key=value} line per rule.
 */
@RequiresKernel(Feature.CGROUP2)
class SockAddrProgramsHostTest {
    static final String PRELUDE = """
            import os, socket, struct, sys, time
            assert os.system("ip link set lo up") == 0
            def inside(cg, fn):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    try:
                        join(cg)
                        res = fn()
                    except OSError as e:
                        res = "errno=%d" % e.errno
                    except BaseException as e:
                        res = "error=%r" % (e,)
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
            def join(cg):
                with open(cg + "/cgroup.procs", "w") as f: f.write("0")
            def name(s): return s.getsockname()[0]
            def bound(addr, fam=socket.AF_INET, typ=socket.SOCK_STREAM):
                s = socket.socket(fam, typ)
                if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.bind((addr, 0))
                return name(s)
            def listener(addr, fam=socket.AF_INET, port=0):
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port)); s.listen(8)
                return s
            def peer(l):
                l.settimeout(5)
                c, a = l.accept()
                c.close()
                return a[0]
            def connected(addr, port, fam=socket.AF_INET):
                s = socket.socket(fam, socket.SOCK_STREAM)
                if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.settimeout(5)
                s.connect((addr, port))
                return s
            def received(r):
                r.settimeout(5)
                data, a = r.recvfrom(100)
                return a[0]
            def udp(addr, fam=socket.AF_INET):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.bind((addr, 0))
                return s
            """;

    final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final int a = ThreadLocalRandom.current().nextInt(100, 200), b = ThreadLocalRandom.current().nextInt(0, 200),
            c = ThreadLocalRandom.current().nextInt(1, 90);
    final Syscalls sys = new LinuxSyscalls();
    final List<Process> probes = new ArrayList<>();
    Path top;

    String ip(int x, int y, int z) { return "127." + x + "." + y + "." + z; }

    String primary() { return ip(a, b, c); }

    String second() { return ip(a, b, c + 1); }

    String lback() { return ip(a, b, 99); }

    String foreign() { return ip(a, b, 200); }

    String primaryB() { return ip(a, b + 1, c); }

    String lbackB() { return ip(a, b + 1, 99); }

    /**
     * An address nobody's policy holds, for listeners and receivers outside the cgroups: not a
     * loopback one (of 127.0.0.0/8 a guest reaches only its own and listed ones), added to the
     * probe namespace's lo by {@link #probe}; 198.18.0.0/15 is for benchmarks, never routed.
     */
    String outside() { return "198.18." + b + "." + c; }

    /** Loopback addresses of the host's, one listed in a policy's lbackAllow, one only at {@link #PORT}, one not at all. */
    String listed() { return ip(a, b + 3, 9); }

    String portListed() { return ip(a, b + 3, 10); }

    String unlisted() { return ip(a, b + 3, 11); }

    /** A range of the host's loopback addresses listed as a /24. */
    String inRange() { return ip(a, b + 4, 5); }

    static final int PORT = 40000 + ThreadLocalRandom.current().nextInt(20000);

    List<LoopbackAllow> lbackAllow() {
        return List.of(LoopbackAllow.parse(listed()), LoopbackAllow.parse(portListed() + ":" + PORT),
                LoopbackAllow.parse(ip(a, b + 4, 0) + "/24"));
    }

    /** In ip's (and python's) short form: a random group may start with 0, which they do not print. */
    String v6(String last) {
        return Addresses.text(java.net.InetAddress.ofLiteral("fd00:" + id.substring(0, 4) + ":" + id.substring(4) + "::" + last));
    }

    BindPolicy policyA() throws IOException {
        return new BindPolicy(List.of(v4(primary()), v4(second())), List.of(), v4(lback()), null);
    }

    static Inet4Address v4(String s) throws IOException { return (Inet4Address) InetAddress.getByName(s); }

    static Inet6Address v6addr(String s) throws IOException { return (Inet6Address) InetAddress.getByName(s); }

    @BeforeEach void onlyAsRootWithAUnifiedHierarchy() throws IOException {
        Path unified = Path.of("/sys/fs/cgroup/unified");
        Path v2 = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup")
                : Files.isRegularFile(unified.resolve("cgroup.procs")) ? unified : null;
        top = v2.resolve("vserver-test-" + id);
    }

    @AfterEach void removeTheCgroups() throws Exception {
        for (Process p : probes) {
            if (p.isAlive()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (top == null || !Files.exists(top)) return;
        try (var s = Files.list(top)) {
            for (Path d : s.filter(Files::isDirectory).toList()) rmdir(d);
        }
        rmdir(top);
        assertFalse(Files.exists(top), "test cgroup left behind");
    }

    /** rmdir of a cgroup: EBUSY while its last task is still exiting, for a moment. */
    static void rmdir(Path d) throws Exception {
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException busy) {
                if (i == 100) throw busy;
                Thread.sleep(20);
            }
        }
    }

    Path cgroup(String name, BindPolicy policy) throws IOException {
        Path d = top.resolve(name);
        Files.createDirectories(d);
        SockAddrPrograms.attach(sys, d, policy);
        return d;
    }

    /** Runs PRELUDE + {@code body} in a new network namespace; the {@code key=value} lines it printed. */
    Map<String, String> probe(String body) throws Exception {
        String outside = "assert os.system(\"ip addr add " + outside() + "/32 dev lo\") == 0\n";
        Process p = new ProcessBuilder("unshare", "-n", "python3", "-c", PRELUDE + outside + body).redirectErrorStream(true).start();
        probes.add(p);
        return ProbeOutput.results(p);
    }

    static String py(String s) { return ProbeOutput.py(s); }

    @Test void bindFollowsThePolicy() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                print("any=" + inside(G, lambda: bound("0.0.0.0")))
                print("udpany=" + inside(G, lambda: bound("0.0.0.0", typ=socket.SOCK_DGRAM)))
                print("localhost=" + inside(G, lambda: bound("127.0.0.1")))
                print("second=" + inside(G, lambda: bound(%s)))
                print("lback=" + inside(G, lambda: bound(%s)))
                print("foreign=" + inside(G, lambda: bound(%s)))
                print("other=" + inside(G, lambda: bound(%s)))
                print("otherlback=" + inside(G, lambda: bound(%s)))
                print("otherlback6=" + inside(G, lambda: bound("::ffff:" + %s, socket.AF_INET6)))
                print("host=" + bound(%s))
                print("raw=" + inside(G, lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) and "made"))
                print("hostraw=" + str(bool(socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))))
                """.formatted(py(g.toString()), py(second()), py(lback()), py(foreign()), py(primaryB()), py(lbackB()), py(lbackB()), py(foreign())));
        assertEquals(primary(), r.get("any"), "bind 0.0.0.0 becomes the primary: " + r);
        assertEquals(primary(), r.get("udpany"), r.toString());
        assertEquals(lback(), r.get("localhost"), "bind 127.0.0.1 becomes lback: " + r);
        assertEquals(second(), r.get("second"), r.toString());
        assertEquals(lback(), r.get("lback"), r.toString());
        assertEquals("errno=99", r.get("foreign"), "a foreign address: EADDRNOTAVAIL: " + r);
        assertEquals("errno=99", r.get("other"), "another guest's address: EADDRNOTAVAIL: " + r);
        assertEquals("errno=99", r.get("otherlback"), "another guest's lback: EADDRNOTAVAIL: " + r);
        assertEquals("errno=99", r.get("otherlback6"), r.toString());
        assertEquals(foreign(), r.get("host"), "outside the cgroup nothing applies: " + r);
        assertEquals("errno=1", r.get("raw"), "no raw socket inside, though root: " + r);
        assertEquals("True", r.get("hostraw"), r.toString());
    }

    /**
     * Return 3 from a bind program (BPF_RET_BIND_NO_CAP_TO_BIND_PORT): a process without
     * CAP_NET_BIND_SERVICE (nobody, as a userns guest's root is to the host's network namespace)
     * binds port 80 of an own address; without the flag the same bind fails EACCES, and a bind the
     * program refuses stays refused.
     */
    @Test void privilegedPortsLetAProcessWithoutTheCapabilityBindOwnAddresses() throws Exception {
        BindPolicy plain = policyA();
        Path p = cgroup("plain", plain);
        Path g = cgroup("priv", new BindPolicy(plain.v4(), plain.v6(), plain.lback(), null, List.of(), true));
        var r = probe("""
                P, G, A6 = %s, %s, socket.AF_INET6
                def nobody(fn):
                    def run():
                        os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
                        eff = [l for l in open("/proc/self/status") if l.startswith("CapEff:")][0].split()[1]
                        return fn() if int(eff, 16) == 0 else "capabilities left: " + eff
                    return run
                def at(addr, port, fam=socket.AF_INET):
                    s = socket.socket(fam, socket.SOCK_STREAM)
                    if fam == A6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                    s.bind((addr, port))
                    n = s.getsockname()
                    return "%%s:%%s" %% (n[0], n[1] if port else "auto" if n[1] >= 1024 else n[1])
                print("uid=" + inside(G, nobody(lambda: "%%d %%d" %% (os.getuid(), os.geteuid()))))
                print("host=" + inside(P, nobody(lambda: at(%s, 80))))
                print("primary=" + inside(G, nobody(lambda: at(%s, 80))))
                print("any=" + inside(G, nobody(lambda: at("0.0.0.0", 81))))
                print("lo=" + inside(G, nobody(lambda: at("127.0.0.1", 82))))
                print("any6=" + inside(G, nobody(lambda: at("::", 83, A6))))
                print("lo6=" + inside(G, nobody(lambda: at("::1", 84, A6))))
                print("high=" + inside(G, nobody(lambda: at(%s, 8080))))
                print("zero=" + inside(G, nobody(lambda: at(%s, 0))))
                print("foreign=" + inside(G, nobody(lambda: at(%s, 80))))
                print("plainhigh=" + inside(P, nobody(lambda: at(%s, 8080))))
                print("plainzero=" + inside(P, nobody(lambda: at(%s, 0))))
                print("root=" + inside(P, lambda: at(%s, 85)))
                host_join = join
                def join(cg):                                  # None: stay outside the test's cgroups
                    if cg: host_join(cg)
                print("outside=" + inside(None, nobody(lambda: at(%s, 86))))
                """.formatted(py(p.toString()), py(g.toString()), py(primary()), py(second()), py(primary()), py(primary()),
                py(foreign()), py(primary()), py(primary()), py(primary()), py(foreign())));
        assertEquals("65534 65534", r.get("uid"), r.toString());
        assertEquals("errno=13", r.get("host"), "without the flag: EACCES, as for a userns guest today: " + r);
        assertEquals(second() + ":80", r.get("primary"), "an own address, port 80, no capability: " + r);
        assertEquals(primary() + ":81", r.get("any"), "the rewritten wildcard: " + r);
        assertEquals(lback() + ":82", r.get("lo"), "127.0.0.1 as lback: " + r);
        assertEquals("::ffff:" + primary() + ":83", r.get("any6"), r.toString());
        assertEquals("::ffff:" + lback() + ":84", r.get("lo6"), r.toString());
        assertEquals(primary() + ":8080", r.get("high"), r.toString());
        assertEquals(primary() + ":auto", r.get("zero"), "port 0 picks an unprivileged port as before: " + r);
        assertEquals("errno=99", r.get("foreign"), "a refused bind stays refused: " + r);
        assertEquals(primary() + ":8080", r.get("plainhigh"), r.toString());
        assertEquals(primary() + ":auto", r.get("plainzero"), r.toString());
        assertEquals(primary() + ":85", r.get("root"), "root keeps its own capability: " + r);
        assertEquals("errno=13", r.get("outside"), "the probe's nobody has no capability of its own: " + r);
    }

    @Test void twoGuestsBindTheSamePortOnTheirOwnAddresses() throws Exception {
        Path ga = cgroup("a", policyA());
        Path gb = cgroup("b", new BindPolicy(List.of(v4(primaryB())), List.of(), v4(lbackB()), null));
        // A socket belongs to the cgroup of its creator: one process makes one in each.
        var r = probe("""
                def both():
                    join(%s)
                    s1 = listener("0.0.0.0")
                    port = s1.getsockname()[1]
                    join(%s)
                    s2 = listener("0.0.0.0", port=port)
                    return "%%s:%%d %%s:%%d" %% (s1.getsockname() + s2.getsockname())
                print("both=" + inside(%s, both))
                """.formatted(py(ga.toString()), py(gb.toString()), py(ga.toString())));
        String both = r.get("both");
        assertTrue(both.matches("\\Q" + primary() + "\\E:(\\d+) \\Q" + primaryB() + "\\E:\\1"), "one port, two addresses: " + r);
    }

    @Test void connectGetsThePrimarySourceAndTheLoopbackIsLback() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                own = listener(%s)
                print("own=" + (inside(G, lambda: connected(*own.getsockname()) and "ok")) + " " + peer(own))
                far = listener(%s)
                print("far=" + (inside(G, lambda: connected(*far.getsockname()) and "ok")) + " " + peer(far))
                def lo():
                    l = listener("127.0.0.1")
                    s = connected("127.0.0.1", l.getsockname()[1])
                    return name(l) + " " + peer(l) + " " + s.getpeername()[0]
                print("lo=" + inside(G, lo))
                host = listener("127.0.0.1")
                print("hostlo=" + inside(G, lambda: connected("127.0.0.1", host.getsockname()[1]) and "reached"))
                def zero():
                    l = listener("127.0.0.1")
                    s = connected("0.0.0.0", l.getsockname()[1])
                    return s.getpeername()[0]
                print("zero=" + inside(G, zero))
                def explicit():
                    s = socket.socket(); s.bind((%s, 0)); s.settimeout(5)
                    s.connect(far.getsockname())
                    return name(s)
                print("explicit=" + inside(G, explicit) + " " + peer(far))
                """.formatted(py(g.toString()), py(second()), py(outside()), py(second())));
        assertEquals("ok " + primary(), r.get("own"), "an unbound socket connects from the primary: " + r);
        assertEquals("ok " + primary(), r.get("far"), r.toString());
        assertEquals(lback() + " " + lback() + " " + lback(), r.get("lo"), "127.0.0.1 is lback, from lback: " + r);
        assertEquals("errno=111", r.get("hostlo"), "the host's 127.0.0.1 is out of reach: " + r);
        assertEquals(lback(), r.get("zero"), "0.0.0.0 (the kernel's loopback) is lback too: " + r);
        assertEquals(second() + " " + second(), r.get("explicit"), "a bound socket keeps its own address: " + r);
    }

    @Test void ofTheLoopbackAGuestReachesOnlyItsOwnAndListedAddresses() throws Exception {
        Path g = cgroup("a", new BindPolicy(policyA().v4(), List.of(), v4(lback()), null, lbackAllow()));
        Path gb = cgroup("b", new BindPolicy(List.of(v4(primaryB())), List.of(), v4(lbackB()), null));
        String lbackN = ip(a, b + 1, 98);
        Path gn = cgroup("n", new BindPolicy(List.of(), List.of(), v4(lbackN), null, lbackAllow()));
        var r = probe("""
                G, B, N, LBB = %s, %s, %s, %s
                A6 = socket.AF_INET6
                def attempt(fn):
                    try:
                        return str(fn())
                    except OSError as e:
                        return "errno=%%d" %% e.errno
                def udpconnect(addr, port):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.connect((addr, port))
                    return "connected"
                def guests():
                    # guest b: a localhost-only service, which lands on b's lback
                    svc = listener("127.0.0.1"); port = svc.getsockname()[1]
                    usvc = udp("127.0.0.1"); uport = usvc.getsockname()[1]
                    out = ["svc=" + name(svc) + " " + name(usvc)]
                    out.append("b_lo=" + attempt(lambda: connected("127.0.0.1", port) and peer(svc)))
                    out.append("b_lback=" + attempt(lambda: connected(LBB, port) and peer(svc)))
                    out.append("b_lo6=" + attempt(lambda: connected("::1", port, A6) and peer(svc)))
                    out.append("b_udp=" + attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", uport))) + " " + received(usvc))
                    # guest a, asking for b's lback by its address
                    join(G)
                    out.append("a_tcp=" + attempt(lambda: connected(LBB, port) and "reached"))
                    out.append("a_tcp6=" + attempt(lambda: connected("::ffff:" + LBB, port, A6) and "reached"))
                    out.append("a_udp=" + attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (LBB, uport))))
                    out.append("a_udpconnect=" + attempt(lambda: udpconnect(LBB, uport)))
                    out.append("a_udp6=" + attempt(lambda: socket.socket(A6, socket.SOCK_DGRAM).sendto(b"x", ("::ffff:" + LBB, uport))))
                    return "\\n".join(out)
                print(inside(B, guests))
                # the host's loopback services
                hl = listener(%s); hp = listener(%s, port=%d); hp2 = listener(%s); hu = listener(%s); hr = listener(%s)
                def tcp(l, addr=None, fam=socket.AF_INET):
                    a, p = l.getsockname()
                    return lambda: connected(addr or a, p, fam) and "ok"
                print("listed=" + inside(G, tcp(hl)) + " " + peer(hl))
                print("listed6=" + inside(G, tcp(hl, "::ffff:" + hl.getsockname()[0], A6)) + " " + peer(hl))
                print("portlisted=" + inside(G, tcp(hp)) + " " + peer(hp))
                print("otherport=" + inside(G, tcp(hp2)))
                print("unlisted=" + inside(G, tcp(hu)))
                print("unlisted6=" + inside(G, tcp(hu, "::ffff:" + hu.getsockname()[0], A6)))
                print("range=" + inside(G, tcp(hr)) + " " + peer(hr))
                ul = udp(%s); uu = udp(%s)
                print("udplisted=" + inside(G, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ul.getsockname())) + " " + received(ul))
                print("udpunlisted=" + inside(G, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", uu.getsockname())))
                print("udpconnectunlisted=" + inside(G, lambda: udpconnect(*uu.getsockname())))
                print("noaddr=" + inside(N, tcp(hl)) + " " + peer(hl))
                print("noaddrunlisted=" + inside(N, tcp(hu)))
                print("host=" + str(tcp(hu)()) + " " + peer(hu))
                """.formatted(py(g.toString()), py(gb.toString()), py(gn.toString()), py(lbackB()),
                py(listed()), py(portListed()), PORT, py(portListed()), py(unlisted()), py(inRange()), py(listed()), py(unlisted())));
        assertEquals(lbackB() + " " + lbackB(), r.get("svc"), "guest b's 127.0.0.1 is its lback: " + r);
        assertEquals(lbackB(), r.get("b_lo"), "b reaches its own service by 127.0.0.1: " + r);
        assertEquals(lbackB(), r.get("b_lback"), "and by its lback: " + r);
        assertEquals(lbackB(), r.get("b_lo6"), "and by ::1: " + r);
        assertEquals("1 " + lbackB(), r.get("b_udp"), r.toString());
        for (String k : List.of("a_tcp", "a_tcp6", "a_udp", "a_udpconnect", "a_udp6"))
            assertEquals("errno=1", r.get(k), k + ": guest a reaches guest b's localhost service: " + r);
        assertEquals("ok " + lback(), r.get("listed"), "a listed address, from the guest's lback: " + r);
        assertEquals("ok " + lback(), r.get("listed6"), r.toString());
        assertEquals("ok " + lback(), r.get("portlisted"), "the listed port: " + r);
        assertEquals("errno=1", r.get("otherport"), "another port of an address listed with a port: " + r);
        assertEquals("errno=1", r.get("unlisted"), "a host service on an unlisted loopback address: " + r);
        assertEquals("errno=1", r.get("unlisted6"), r.toString());
        assertEquals("ok " + lback(), r.get("range"), "an address of a listed range: " + r);
        assertEquals("1 " + lback(), r.get("udplisted"), r.toString());
        assertEquals("errno=1", r.get("udpunlisted"), r.toString());
        assertEquals("errno=1", r.get("udpconnectunlisted"), r.toString());
        assertEquals("ok " + lbackN, r.get("noaddr"), "a guest without IPv4 addresses reaches a listed one from its lback: " + r);
        assertEquals("errno=1", r.get("noaddrunlisted"), r.toString());
        assertEquals("ok 127.0.0.1", r.get("host"), "outside the cgroups nothing applies: " + r);
    }

    @Test void udpSendsFromThePrimaryAndRefusesAForeignSource() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                rx = udp(%s)
                dst = rx.getsockname()
                print("unbound=" + inside(G, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", dst)) + " " + received(rx))
                def pktinfo(src):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    info = struct.pack("=I4s4s", 0, socket.inet_aton(src), socket.inet_aton("0.0.0.0"))
                    return s.sendmsg([b"x"], [(socket.IPPROTO_IP, 8, info)], 0, dst)  # IP_PKTINFO
                print("foreign=" + inside(G, lambda: pktinfo(%s)))
                print("own=" + inside(G, lambda: pktinfo(%s)) + " " + received(rx))
                lb = udp(%s)
                print("lo=" + inside(G, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", lb.getsockname()[1]))) + " " + received(lb))
                def connected_udp():
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.connect(dst); s.send(b"x")
                    return name(s)
                print("connected=" + inside(G, connected_udp) + " " + received(rx))
                def autobound():
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.sendto(b"x", dst)
                    s.connect(dst)
                    return "connected"
                print("autobound=" + inside(G, autobound) + " " + received(rx))
                """.formatted(py(g.toString()), py(outside()), py(foreign()), py(second()), py(lback())));
        assertEquals("1 " + primary(), r.get("unbound"), "sendto from an unbound socket leaves from the primary: " + r);
        assertEquals("errno=99", r.get("foreign"), "IP_PKTINFO with a foreign source: EADDRNOTAVAIL: " + r);
        assertEquals("1 " + second(), r.get("own"), r.toString());
        assertEquals("1 " + lback(), r.get("lo"), "127.0.0.1 is lback, from lback: " + r);
        assertEquals(primary() + " " + primary(), r.get("connected"), r.toString());
        assertEquals("errno=99 " + primary(), r.get("autobound"), "an autobound socket may not connect: " + r);
    }

    @Test void ipv6WithoutIpv6AddressesIsMappedIpv4() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                assert os.system("ip addr add %s/128 dev lo nodad") == 0
                A6 = socket.AF_INET6
                print("any=" + inside(G, lambda: bound("::", A6)))
                print("udpany=" + inside(G, lambda: bound("::", A6, socket.SOCK_DGRAM)))
                print("loopback=" + inside(G, lambda: bound("::1", A6)))
                print("mappedlocal=" + inside(G, lambda: bound("::ffff:127.0.0.1", A6)))
                print("mappedsecond=" + inside(G, lambda: bound("::ffff:" + %s, A6)))
                print("mappedforeign=" + inside(G, lambda: bound("::ffff:" + %s, A6)))
                print("real=" + inside(G, lambda: bound(%s, A6)))
                far6 = listener(%s, A6)
                print("connect6=" + inside(G, lambda: connected(*far6.getsockname()[:2], fam=A6) and "connected"))
                lb = listener(%s)
                def lo6():
                    s = connected("::1", lb.getsockname()[1], fam=A6)
                    return s.getpeername()[0]
                print("lo6=" + inside(G, lo6) + " " + peer(lb))
                far = listener(%s)
                print("mapped=" + inside(G, lambda: connected("::ffff:" + far.getsockname()[0], far.getsockname()[1], fam=A6) and "ok") + " " + peer(far))
                rx = udp(%s)
                def send_mapped():
                    s = socket.socket(A6, socket.SOCK_DGRAM)
                    return s.sendto(b"x", ("::ffff:" + rx.getsockname()[0], rx.getsockname()[1]))
                print("udpmapped=" + inside(G, send_mapped) + " " + received(rx))
                print("udp6lo=" + inside(G, lambda: socket.socket(A6, socket.SOCK_DGRAM).sendto(b"x", ("::1", 53))))
                """.formatted(py(g.toString()), v6("b"), py(second()), py(foreign()), py(v6("b")), py(v6("b")), py(lback()),
                py(outside()), py(outside())));
        assertEquals("::ffff:" + primary(), r.get("any"), ":: becomes ::ffff:primary without IPv6: " + r);
        assertEquals("::ffff:" + primary(), r.get("udpany"), r.toString());
        assertEquals("::ffff:" + lback(), r.get("loopback"), "::1 becomes ::ffff:lback: " + r);
        assertEquals("::ffff:" + lback(), r.get("mappedlocal"), r.toString());
        assertEquals("::ffff:" + second(), r.get("mappedsecond"), r.toString());
        assertEquals("errno=99", r.get("mappedforeign"), r.toString());
        assertEquals("errno=99", r.get("real"), "no IPv6 address is the guest's: " + r);
        assertEquals("errno=101", r.get("connect6"), "no IPv6 route for a guest without IPv6: " + r);
        assertEquals("::ffff:" + lback() + " " + lback(), r.get("lo6"), "::1 is lback: " + r);
        assertEquals("ok " + primary(), r.get("mapped"), "a mapped destination follows the IPv4 rules: " + r);
        assertEquals("1 " + primary(), r.get("udpmapped"), r.toString());
        assertEquals("errno=101", r.get("udp6lo"), "UDP to ::1 cannot be mapped: ENETUNREACH: " + r);
    }

    @Test void ipv6AddressesOfTheGuest() throws Exception {
        String own = v6("a"), other = v6("b");
        Path g = cgroup("a", new BindPolicy(List.of(v4(primary())), List.of(v6addr(own)), v4(lback()), null));
        var r = probe("""
                G = %s
                assert os.system("ip addr add %s/128 dev lo nodad && ip addr add %s/128 dev lo nodad") == 0
                A6 = socket.AF_INET6
                print("any=" + inside(G, lambda: bound("::", A6)))
                print("own=" + inside(G, lambda: bound(%s, A6)))
                print("other=" + inside(G, lambda: bound(%s, A6)))
                far6 = listener(%s, A6)
                print("connect6=" + inside(G, lambda: connected(*far6.getsockname()[:2], fam=A6) and "ok") + " " + peer(far6))
                rx = udp(%s, A6)
                print("udp6=" + inside(G, lambda: socket.socket(A6, socket.SOCK_DGRAM).sendto(b"x", rx.getsockname()[:2])) + " " + received(rx))
                def src6(src):
                    s = socket.socket(A6, socket.SOCK_DGRAM)
                    info = socket.inet_pton(A6, src) + struct.pack("=I", 0)
                    return s.sendmsg([b"x"], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)], 0, rx.getsockname()[:2])
                print("foreign6=" + inside(G, lambda: src6(%s)))
                print("v4any=" + inside(G, lambda: bound("0.0.0.0")))
                """.formatted(py(g.toString()), own, other, py(own), py(other), py(other), py(other), py(other)));
        assertEquals(own, r.get("any"), ":: becomes the IPv6 primary: " + r);
        assertEquals(own, r.get("own"), r.toString());
        assertEquals("errno=99", r.get("other"), r.toString());
        assertEquals("ok " + own, r.get("connect6"), "an unbound IPv6 socket connects from the IPv6 primary: " + r);
        assertEquals("1 " + own, r.get("udp6"), r.toString());
        assertEquals("errno=99", r.get("foreign6"), "IPV6_PKTINFO with a foreign source: " + r);
        assertEquals(primary(), r.get("v4any"), r.toString());
    }

    @Test void theVerifierTakesTheLongestLbackAllowList() throws Exception {
        cgroup("long", SockAddrRulesTest.longest());                         // attach throws if the kernel refuses a program
    }

    @Test void theProgramsAreAttachedAndGoWithTheCgroup() throws Exception {
        Path g = cgroup("a", policyA());
        Map<Integer, String> ours = new LinkedHashMap<>();
        int dir = sys.open(g.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        try {
            Map<Integer, String> loaded = sys.bpfPrograms();
            for (int type : SockAddrPrograms.of(policyA()).keySet()) {
                int[] ids = sys.bpfProgQuery(dir, type);
                assertEquals(1, ids.length, "one program at attach type " + type);
                assertEquals(SockAddrPrograms.name(type), loaded.get(ids[0]), "its name");
                ours.put(ids[0], loaded.get(ids[0]));
            }
        } finally {
            sys.close(dir);
        }
        assertEquals(7, ours.size(), ours.toString());
        assertTrue(ours.values().stream().allMatch(n -> n.startsWith(SockAddrPrograms.NAME_PREFIX)), ours.toString());
        rmdir(g);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);    // the kernel frees them from a work queue
        while (ours.keySet().stream().anyMatch(sys.bpfPrograms()::containsKey) && System.nanoTime() < deadline) Thread.sleep(50);
        Map<Integer, String> left = sys.bpfPrograms();
        assertTrue(ours.keySet().stream().noneMatch(left::containsKey), "programs left after rmdir: " + ours);
    }

    @Test void aFailedAttachDetachesWhatWasAttached() throws Exception {
        Path g = top.resolve("a");
        Files.createDirectories(g);
        var real = new LinuxSyscalls();
        var attaches = new AtomicInteger();
        Syscalls failing = (Syscalls) Proxy.newProxyInstance(Syscalls.class.getClassLoader(), new Class<?>[] {Syscalls.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("bpfProgAttach") && attaches.incrementAndGet() == 3)
                        throw new ErrnoException("bpf", "BPF_PROG_ATTACH", 16, "Device or resource busy");
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        var e = assertThrows(IOException.class, () -> SockAddrPrograms.attach(failing, g, policyA()));
        String third = SockAddrPrograms.name(new ArrayList<>(SockAddrPrograms.of(policyA()).keySet()).get(2));
        assertTrue(e.getMessage().contains(third) && e.getMessage().contains(g.toString()) && e.getMessage().contains("EBUSY"),
                e.getMessage());
        int dir = sys.open(g.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        try {
            for (int type : SockAddrPrograms.of(policyA()).keySet())
                assertEquals(0, sys.bpfProgQuery(dir, type).length, "left attached at type " + type);
        } finally {
            sys.close(dir);
        }
        var missing = assertThrows(IOException.class, () -> SockAddrPrograms.attach(sys, top.resolve("absent"), policyA()));
        assertTrue(missing.getMessage().contains(top.resolve("absent").toString()) && missing.getMessage().contains("ENOENT"),
                missing.getMessage());
        assertEquals(Bpf.CGROUP_INET_SOCK_CREATE, SockAddrPrograms.of(policyA()).keySet().iterator().next());
    }
}
