package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.VmlinuxBtf;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;

/**
 * Wildcard steering on this host's kernel, with real maps: {@link SkLookupProgram} linked to a
 * {@link ThrowAwayNetns} (never the host's namespace, whose 64 sk_lookup slots others share), and
 * a steered policy's programs on a throw-away cgroup. A python probe runs in that namespace
 * ({@code nsenter --net}); its servers join the cgroup, listen, and answer each connection with
 * the local address the accepted socket got, so a client outside sees where it landed.
 */
@RequiresKernel({Feature.CGROUP2, Feature.SK_LOOKUP})
class SteeringHostTest {
    static final String PRELUDE = """
            import ctypes, os, signal, socket, sys, time
            assert os.system("ip link set lo up") == 0
            libc = ctypes.CDLL(None, use_errno=True)
            servers = []
            def join(cg):
                with open(cg + "/cgroup.procs", "w") as f: f.write("0")
            def inside(cg, fn):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    try:
                        join(cg)
                        res = fn()
                    except OSError as e:
                        res = "errno=%d" % (e.errno or 0)
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
            def serve(cg, setup):
                # a server in the cgroup: "address port" of its listener, or errno=N; answers each
                # connection with the accepted socket's local address
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    libc.prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG: never outlive the probe
                    os.close(r)
                    try:
                        if cg: join(cg)
                        l = setup()
                        os.write(w, ("%s %d" % l.getsockname()[:2]).encode())
                    except OSError as e:
                        os.write(w, ("errno=%d" % (e.errno or 0)).encode())
                        os._exit(0)
                    os.close(w)
                    while True:
                        c, a = l.accept()
                        c.sendall(c.getsockname()[0].encode())
                        c.close()
                os.close(w)
                servers.append(pid)
                line = os.read(r, 200).decode()
                os.close(r)
                return line
            def listener(addr, fam=socket.AF_INET, port=0, v6only=None):
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if v6only is not None: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
                if addr is not None: s.bind((addr, port))
                s.listen(16)
                return s
            def ask(addr, port):
                # where a connection to addr:port landed, errno=N, or timeout
                fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(3)
                try:
                    s.connect((addr, port))
                    return s.recv(100).decode() or "empty"
                except socket.timeout:
                    return "timeout"
                except OSError as e:
                    return "errno=%d" % (e.errno or 0)
                finally:
                    s.close()
            def port(line): return int(line.split()[1])
            def done():
                for p in servers:
                    os.kill(p, signal.SIGKILL); os.waitpid(p, 0)
            """;

    final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final int a = ThreadLocalRandom.current().nextInt(100, 200), b = ThreadLocalRandom.current().nextInt(0, 200),
            c = ThreadLocalRandom.current().nextInt(1, 90);
    final int xid = ThreadLocalRandom.current().nextInt(1000, 1_000_000), xidB = xid + 1;
    final Syscalls sys = new LinuxSyscalls();
    final List<Process> probes = new ArrayList<>();
    final List<Integer> fds = new ArrayList<>();
    Path top;
    ThrowAwayNetns netns;
    int[] maps;
    Set<Integer> ours = Set.of();

    String ip(int x, int y, int z) { return "127." + x + "." + y + "." + z; }

    String primary() { return ip(a, b, c); }

    String second() { return ip(a, b, c + 1); }

    String lback() { return ip(a, b, 99); }

    String primaryB() { return ip(a, b + 1, c); }

    String lbackB() { return ip(a, b + 1, 99); }

    /** An address of nobody's, added to lo by the probe. */
    String outside() { return "198.18." + b + "." + c; }

    String lback6() { return Addresses.text(BindPolicy.lback6Of(v4(lback()))); }

    String lback6B() { return Addresses.text(BindPolicy.lback6Of(v4(lbackB()))); }

    /** The IPv6 address of guest {@link #policyBoth}, added to lo by the probe. */
    String own6() { return Addresses.text(InetAddress.ofLiteral("fd00:" + id.substring(0, 4) + ":" + id.substring(4) + "::10")); }

    static Inet4Address v4(String s) { return (Inet4Address) InetAddress.ofLiteral(s); }

    static Inet6Address v6(String s) { return (Inet6Address) InetAddress.ofLiteral(s); }

    /** This kernel's skc_ipv6only, as the planner passes it. */
    static int bit() throws IOException {
        int bit = VmlinuxBtf.ipv6onlyBit();
        assertTrue(bit >= 0, "the kernel's BTF has no sock_common.skc_ipv6only");
        return bit;
    }

    /** Guest A without IPv6: two IPv4 addresses, lback, lback6. */
    BindPolicy policyA() throws IOException {
        return new BindPolicy(List.of(v4(primary()), v4(second())), List.of(), v4(lback()), null, List.of(), false, xid, v6(lback6()), bit());
    }

    /** Guest A with IPv6 too: {@link #own6} besides. */
    BindPolicy policyBoth() throws IOException {
        return new BindPolicy(List.of(v4(primary()), v4(second())), List.of(v6(own6())), v4(lback()), null, List.of(), false, xid,
                v6(lback6()), bit());
    }

    @BeforeEach void mapsProgramAndNetns() throws Exception {
        Path unified = Path.of("/sys/fs/cgroup/unified");
        Path v2 = Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? Path.of("/sys/fs/cgroup")
                : Files.isRegularFile(unified.resolve("cgroup.procs")) ? unified : null;
        top = v2.resolve("vserver-test-" + id);
        maps = SteeringMaps.create(sys);
        Set<Integer> before = sys.bpfPrograms().keySet();
        int prog = sys.bpfProgLoad(Bpf.PROG_TYPE_SK_LOOKUP, Insn.encode(SkLookupProgram.program()), "GPL", SkLookupProgram.NAME,
                Bpf.SK_LOOKUP, maps);
        fds.add(prog);
        var loaded = new java.util.HashSet<>(sys.bpfPrograms().keySet());
        loaded.removeAll(before);
        ours = loaded;
        netns = new ThrowAwayNetns(sys);
        fds.add(sys.bpfLinkCreate(prog, netns.fd, Bpf.SK_LOOKUP));
        for (String g : List.of(primary(), second())) address(g, xid, false);
        address(lback(), xid, true);
        address(lback6(), xid, true);
        address(own6(), xid, false);
        address(primaryB(), xidB, false);
        address(lbackB(), xidB, true);
        address(lback6B(), xidB, true);
    }

    void address(String addr, int owner, boolean loopback) throws Exception {
        sys.bpfMapUpdate(maps[SteeringMaps.ADDRS], SteeringMaps.addrsKey(InetAddress.ofLiteral(addr)), SteeringMaps.addrsValue(owner, loopback));
    }

    @AfterEach void leaveNothingBehind() throws Exception {
        for (Process p : probes) {
            if (p.isAlive()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (int fd : fds) sys.close(fd);                          // the link first: it detaches from the namespace
        if (maps != null) for (int fd : maps) sys.close(fd);
        if (netns != null) netns.close();
        if (top != null && Files.exists(top)) {
            try (var s = Files.list(top)) {
                for (Path d : s.filter(Files::isDirectory).toList()) SockAddrProgramsHostTest.rmdir(d);
            }
            SockAddrProgramsHostTest.rmdir(top);
            assertFalse(Files.exists(top), "test cgroup left behind");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);    // the kernel frees programs from a work queue
        while (ours.stream().anyMatch(sys.bpfPrograms()::containsKey) && System.nanoTime() < deadline) Thread.sleep(50);
        Map<Integer, String> left = sys.bpfPrograms();
        assertTrue(ours.stream().noneMatch(left::containsKey), "the sk_lookup program (and so its link) left: " + ours);
    }

    Path cgroup(String name, BindPolicy policy) throws IOException {
        Path d = top.resolve(name);
        Files.createDirectories(d);
        SockAddrPrograms.attach(sys, d, policy, maps);
        return d;
    }

    /** Runs PRELUDE + {@code body} in the throw-away namespace; the {@code key=value} lines it printed. */
    Map<String, String> probe(String body) throws Exception {
        String setup = "assert os.system(\"ip addr add " + outside() + "/32 dev lo && ip addr add " + lback6() + "/128 dev lo nodad"
                + " && ip addr add " + lback6B() + "/128 dev lo nodad && ip addr add " + own6() + "/128 dev lo nodad\") == 0\n";
        String net = "--net=/proc/" + ProcessHandle.current().pid() + "/fd/" + netns.fd;
        Process p = new ProcessBuilder("nsenter", net, "python3", "-c", PRELUDE + setup + "try:\n" + body.indent(4) + "finally:\n    done()\n")
                .redirectErrorStream(true).start();
        probes.add(p);
        return ProbeOutput.results(p);
    }

    static String py(String s) { return ProbeOutput.py(s); }

    @Test void theVerifierTakesEveryProgram() throws Exception {
        cgroup("a", policyA());                                    // attach throws if the kernel refuses one
        cgroup("six", new BindPolicy(List.of(v4(primary())), List.of((Inet6Address) InetAddress.ofLiteral("fd00::1")), v4(lback()),
                null, List.of(), true, xid, null));
        cgroup("bit", new BindPolicy(List.of(v4(primary())), List.of((Inet6Address) InetAddress.ofLiteral("fd00::1")), v4(lback()),
                null, List.of(), true, xid, null, VmlinuxBtf.ipv6onlyBit()));           // reads the socket through BTF
        assertEquals(1, ours.size(), "the sk_lookup program loaded: " + ours);
    }

    @Test void aWildcardListenerAnswersOnEveryAddressOfItsGuestAndNowhereElse() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                w = serve(G, lambda: listener("0.0.0.0"))
                print("bound=" + w)
                P = port(w)
                print("primary=" + ask(%s, P))
                print("second=" + ask(%s, P))
                print("lback=" + ask(%s, P))
                print("inside=" + inside(G, lambda: ask("127.0.0.1", P)))
                print("otherguest=" + ask(%s, P))
                print("otherlback=" + ask(%s, P))
                print("outside=" + ask(%s, P))
                print("hostlo=" + ask("127.0.0.1", P))
                x = serve(G, lambda: listener(%s, port=P))
                print("exact=" + x + " " + ask(%s, P) + " " + ask(%s, P))
                """.formatted(py(g.toString()), py(primary()), py(second()), py(lback()), py(primaryB()), py(lbackB()), py(outside()),
                py(second()), py(second()), py(primary())));
        assertTrue(r.get("bound").startsWith(primary() + " "), "0.0.0.0 becomes the primary: " + r);
        assertEquals(primary(), r.get("primary"), r.toString());
        assertEquals(second(), r.get("second"), "steered to the wildcard listener, with the address asked for: " + r);
        assertEquals(lback(), r.get("lback"), r.toString());
        assertEquals(lback(), r.get("inside"), "127.0.0.1 from inside is lback: " + r);
        assertEquals("errno=111", r.get("otherguest"), "another guest's address: " + r);
        assertEquals("errno=111", r.get("otherlback"), "another guest's lback: " + r);
        assertEquals("errno=111", r.get("outside"), "an address of nobody's: " + r);
        assertEquals("errno=111", r.get("hostlo"), r.toString());
        assertEquals(second() + " " + second() + " " + primary(), r.get("exact").replaceFirst(" \\d+ ", " "),
                "a listener on one address takes it from the wildcard one: " + r);
    }

    @Test void anIpv6OnlyWildcardOfAGuestWithoutIpv6LandsOnLback6() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                A6 = socket.AF_INET6
                w = serve(G, lambda: listener("::", A6, v6only=1))
                print("bound=" + w)
                P = port(w)
                print("lo6=" + inside(G, lambda: ask("::1", P)))
                print("lback6=" + ask(%s, P))
                print("primary=" + ask(%s, P))
                print("hostlo6=" + ask("::1", P))
                l = serve(G, lambda: listener("::1", A6))
                print("loopback6=" + l + " " + inside(G, lambda: ask("::1", port(l))))
                """.formatted(py(g.toString()), py(lback6()), py(primary())));
        assertEquals(lback6(), r.get("bound").split(" ")[0], ":: of a guest without IPv6 becomes lback6: " + r);
        assertEquals(lback6(), r.get("lo6"), "::1 from inside is lback6: " + r);
        assertEquals(lback6(), r.get("lback6"), r.toString());
        assertEquals("errno=111", r.get("primary"), "a V6ONLY socket takes no IPv4: " + r);
        assertEquals("errno=111", r.get("hostlo6"), r.toString());
        assertTrue(r.get("loopback6").matches("\\Q" + lback6() + "\\E \\d+ \\Q" + lback6() + "\\E"), "::1 binds lback6: " + r);
    }

    /**
     * A dual-stack {@code [::]} (IPV6_V6ONLY 0: Java's and python's default, nginx's
     * {@code ipv6only=off}) of a guest with both families: bind6 sees the flag and binds
     * {@code ::ffff:primary}, which keeps it dual-stack (a bind of a non-mapped address would set
     * V6ONLY), and the sk_lookup program hands it IPv6 connections too (FINDINGS Q3).
     */
    @Test void aDualStackWildcardTakesBothFamiliesOnEveryAddress() throws Exception {
        Path g = cgroup("a", policyBoth());
        var r = probe("""
                G = %s
                w = serve(G, lambda: listener("::", socket.AF_INET6, v6only=0))
                print("bound=" + w)
                P = port(w)
                print("primary=" + ask(%s, P))
                print("second=" + ask(%s, P))
                print("own6=" + ask(%s, P))
                print("lback=" + ask(%s, P))
                print("lback6=" + ask(%s, P))
                print("lo=" + inside(G, lambda: ask("127.0.0.1", P)))
                print("lo6=" + inside(G, lambda: ask("::1", P)))
                print("otherguest=" + ask(%s, P))
                print("outside=" + ask(%s, P))
                """.formatted(py(g.toString()), py(primary()), py(second()), py(own6()), py(lback()), py(lback6()), py(primaryB()),
                py(outside())));
        assertEquals("::ffff:" + primary(), r.get("bound").split(" ")[0], "mapped, so still dual-stack: " + r);
        assertEquals("::ffff:" + primary(), r.get("primary"), r.toString());
        assertEquals("::ffff:" + second(), r.get("second"), "steered, with the address asked for: " + r);
        assertEquals(own6(), r.get("own6"), "IPv6 steered to the socket on the mapped address: " + r);
        assertEquals("::ffff:" + lback(), r.get("lback"), r.toString());
        assertEquals(lback6(), r.get("lback6"), r.toString());
        assertEquals("::ffff:" + lback(), r.get("lo"), "127.0.0.1 from inside is lback: " + r);
        assertEquals(lback6(), r.get("lo6"), "::1 from inside is lback6: " + r);
        assertEquals("errno=111", r.get("otherguest"), r.toString());
        assertEquals("errno=111", r.get("outside"), r.toString());
    }

    /** nginx's default pair: {@code listen 80; listen [::]:80;} (V6ONLY); each binds and serves its own family. */
    @Test void anIpv4WildcardAndAV6onlyWildcardShareAPort() throws Exception {
        Path g = cgroup("a", policyBoth());
        var r = probe("""
                G = %s
                w4 = serve(G, lambda: listener("0.0.0.0"))
                P = port(w4)
                w6 = serve(G, lambda: listener("::", socket.AF_INET6, port=P, v6only=1))
                print("bound4=" + w4)
                print("bound6=" + w6)
                print("primary=" + ask(%s, P))
                print("second=" + ask(%s, P))
                print("own6=" + ask(%s, P))
                print("lback6=" + ask(%s, P))
                print("lo=" + inside(G, lambda: ask("127.0.0.1", P)))
                print("lo6=" + inside(G, lambda: ask("::1", P)))
                d = serve(G, lambda: listener("::", socket.AF_INET6, port=P, v6only=0))
                print("dual=" + d)
                """.formatted(py(g.toString()), py(primary()), py(second()), py(own6()), py(lback6())));
        assertTrue(r.get("bound4").startsWith(primary() + " "), r.toString());
        assertEquals(own6(), r.get("bound6").split(" ")[0], "V6ONLY: the IPv6 primary, never mapped (EINVAL): " + r);
        assertEquals(primary(), r.get("primary"), "the IPv4 listener (an AF_INET socket answers without ::ffff:): " + r);
        assertEquals(second(), r.get("second"), r.toString());
        assertEquals(own6(), r.get("own6"), r.toString());
        assertEquals(lback6(), r.get("lback6"), r.toString());
        assertEquals(lback(), r.get("lo"), r.toString());
        assertEquals(lback6(), r.get("lo6"), r.toString());
        assertEquals("errno=98", r.get("dual"), "a dual-stack [::] on the same port is EADDRINUSE, as without steering: " + r);
    }

    /** A guest without IPv6: its dual-stack {@code [::]} is {@code ::ffff:primary} and takes IPv4 on every address. */
    @Test void aDualStackWildcardOfAGuestWithoutIpv6TakesIpv4() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                w = serve(G, lambda: listener("::", socket.AF_INET6, v6only=0))
                print("bound=" + w)
                P = port(w)
                print("primary=" + ask(%s, P))
                print("second=" + ask(%s, P))
                print("lback=" + ask(%s, P))
                print("lback6=" + ask(%s, P))
                print("lo=" + inside(G, lambda: ask("127.0.0.1", P)))
                print("lo6=" + inside(G, lambda: ask("::1", P)))
                print("otherlback=" + ask(%s, P))
                """.formatted(py(g.toString()), py(primary()), py(second()), py(lback()), py(lback6()), py(lbackB())));
        assertEquals("::ffff:" + primary(), r.get("bound").split(" ")[0], r.toString());
        assertEquals("::ffff:" + primary(), r.get("primary"), r.toString());
        assertEquals("::ffff:" + second(), r.get("second"), r.toString());
        assertEquals("::ffff:" + lback(), r.get("lback"), r.toString());
        assertEquals(lback6(), r.get("lback6"), r.toString());
        assertEquals("::ffff:" + lback(), r.get("lo"), r.toString());
        assertEquals(lback6(), r.get("lo6"), r.toString());
        assertEquals("errno=111", r.get("otherlback"), r.toString());
    }

    /**
     * Another guest's lback6 is a local address of the host, and steering would hand a connection
     * to it to that guest's listener: refused from inside with EPERM, as its lback is.
     */
    @Test void anotherGuestsLback6IsRefusedFromInside() throws Exception {
        Path g = cgroup("a", policyBoth());
        Path gb = cgroup("b", new BindPolicy(List.of(v4(primaryB())), List.of(), v4(lbackB()), null, List.of(), false, xidB, v6(lback6B()),
                bit()));
        var r = probe("""
                G = %s
                H = port(serve(%s, lambda: listener("::", socket.AF_INET6, v6only=1)))
                print("lback6B=" + inside(G, lambda: ask(%s, H)))
                print("lbackB=" + inside(G, lambda: ask(%s, H)))
                print("host=" + ask(%s, H))
                def udp():
                    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                    try:
                        s.sendto(b"x", (%s, 53))
                        return "sent"
                    finally:
                        s.close()
                print("udp=" + inside(G, udp))
                """.formatted(py(g.toString()), py(gb.toString()), py(lback6B()), py(lbackB()), py(lback6B()), py(lback6B())));
        assertEquals("errno=1", r.get("lback6B"), r.toString());
        assertEquals("errno=1", r.get("lbackB"), "as the IPv4 rules: " + r);
        assertEquals(lback6B(), r.get("host"), "guest B's listener is there, and the host reaches it: " + r);
        assertEquals("errno=1", r.get("udp"), "UDP too: " + r);
    }

    @Test void listenWithoutBindIsReachedOnlyOnTheGuestsAddresses() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                w = serve(G, lambda: listener(None))
                print("bound=" + w)
                P = port(w)
                print("outside=" + ask(%s, P))
                print("otherguest=" + ask(%s, P))
                print("hostlo=" + ask("127.0.0.1", P))
                print("second=" + ask(%s, P))
                print("lback=" + ask(%s, P))
                """.formatted(py(g.toString()), py(outside()), py(primaryB()), py(second()), py(lback())));
        assertTrue(r.get("bound").startsWith("0.0.0.0 "), "autobound to the real wildcard: " + r);
        assertEquals("errno=111", r.get("outside"), "refused on an address of nobody's: " + r);
        assertEquals("errno=111", r.get("otherguest"), r.toString());
        assertEquals("errno=111", r.get("hostlo"), r.toString());
        assertEquals(second(), r.get("second"), r.toString());
        assertEquals(lback(), r.get("lback"), r.toString());
    }

    @Test void anExactLbackListenerWorksAndAnUnclaimedLbackPortIsRefusedAtOnce() throws Exception {
        Path g = cgroup("a", policyA());
        var r = probe("""
                G = %s
                l = serve(G, lambda: listener("127.0.0.1"))
                print("bound=" + l)
                P = port(l)
                print("inside=" + inside(G, lambda: ask("127.0.0.1", P)))
                print("lback=" + ask(%s, P))
                print("primary=" + ask(%s, P))
                H = port(serve(None, lambda: listener("0.0.0.0")))
                t = time.time()
                print("unclaimed=" + ask(%s, H))
                print("ms=%%d" %% ((time.time() - t) * 1000))
                print("hostport=" + ask(%s, H))
                """.formatted(py(g.toString()), py(lback()), py(primary()), py(lback()), py(outside())));
        assertTrue(r.get("bound").startsWith(lback() + " "), r.toString());
        assertEquals(lback(), r.get("inside"), r.toString());
        assertEquals(lback(), r.get("lback"), r.toString());
        assertEquals("errno=111", r.get("primary"), "an exact listener is not a wildcard one: " + r);
        assertEquals("errno=111", r.get("unclaimed"), "a host listener on 0.0.0.0 is not reached on a guest's lback: " + r);
        assertTrue(Integer.parseInt(r.get("ms")) < 1000, "refused at once, not after retries: " + r);
        assertEquals(outside(), r.get("hostport"), "the host's listener itself works: " + r);
    }
}
