package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.net.Frames.BROADCAST;
import static org.vserver.net.Frames.arp;
import static org.vserver.net.Frames.concat;
import static org.vserver.net.Frames.ether;
import static org.vserver.net.Frames.icmp6;
import static org.vserver.net.Frames.ip;
import static org.vserver.net.Frames.ipv6;
import static org.vserver.net.Frames.mac;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Bpf;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;

/**
 * The filter on a real data path, entirely inside two throw-away network namespaces: "host" has a
 * bridge at 10.A.B.1/24 and the host end {@code vh} of a veth whose peer {@code vg} sits in "guest"
 * with MAC {@link #M} and 10.A.B.2/24. The filter is attached at tcx ingress of {@code vh}; the guest
 * sends with its own stack (UDP) and with a packet socket (hand-made frames); what arrives is
 * watched on the bridge. Every scenario first shows that without the filter the bad traffic does
 * arrive, and ends each batch with a frame that must pass, so a dropped frame is not a slow one.
 */
@RequiresKernel(Feature.TCX)
class SpoofFilterHostTest {
    static final byte[] M = mac("52:54:00:0a:0b:0c"), OTHER = mac("52:54:00:0c:0b:0a");
    static final String SNIFF = """
            import socket, sys, select, time
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((sys.argv[1], 0))
            print("ready", flush=True)
            end = time.time() + float(sys.argv[2])
            while time.time() < end:
                if select.select([s], [], [], 0.1)[0]:
                    print(s.recv(65535).hex(), flush=True)
            """;
    static final String RECEIVE = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.settimeout(0.1)
            print("ready", flush=True)
            end = time.time() + float(sys.argv[3])
            while time.time() < end:
                try:
                    print(s.recv(2048).decode(), flush=True)
                except socket.timeout:
                    pass
            """;
    static final String SEND_UDP = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], 0))
            s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
            """;
    static final String SEND_FRAMES = """
            import socket, sys
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((sys.argv[1], 0))
            for h in sys.argv[2:]:
                s.send(bytes.fromhex(h))
            """;
    static final int PORT = 4789;

    final Syscalls sys = new LinuxSyscalls();
    final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final String host = "vsspoof-" + id + "-h", guest = "vsspoof-" + id + "-g";
    final int a = ThreadLocalRandom.current().nextInt(1, 255), b = ThreadLocalRandom.current().nextInt(1, 255);
    final String bridgeIp = "10." + a + "." + b + ".1", guestIp = "10." + a + "." + b + ".2";
    final List<Process> processes = new ArrayList<>();
    String python;
    boolean made;
    int[] attached = new int[0];

    @BeforeEach void twoNamespacesWithABridgeAndAVeth() throws Exception {
        python = run("python3", "-c", "import sys; print(sys.executable)").strip();     // a pyenv shim needs its PATH; ip netns exec gets the binary
        made = true;
        run("ip", "netns", "add", host);
        run("ip", "netns", "add", guest);
        ipn(host, "link", "set", "lo", "up");
        ipn(host, "link", "add", "br0", "type", "bridge");
        ipn(host, "addr", "add", bridgeIp + "/24", "dev", "br0");
        ipn(host, "link", "set", "br0", "up");
        ipn(host, "link", "add", "vh", "type", "veth", "peer", "name", "vg", "netns", guest);
        ipn(host, "link", "set", "vh", "master", "br0", "up");
        ipn(guest, "link", "set", "lo", "up");
        ipn(guest, "link", "set", "vg", "address", hex(M, ":"));
        ipn(guest, "addr", "add", guestIp + "/24", "dev", "vg");
        ipn(guest, "link", "set", "vg", "up");
        // a permanent neighbour: the guest never needs ARP to reach the bridge, whatever its source address
        ipn(guest, "neigh", "replace", bridgeIp, "lladdr", field(ipn(host, "-j", "link", "show", "br0"), "address"),
                "dev", "vg", "nud", "permanent");
    }

    @AfterEach void deleteTheNamespaces() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (!made) return;
        new ProcessBuilder("ip", "netns", "del", host).start().waitFor();
        new ProcessBuilder("ip", "netns", "del", guest).start().waitFor();
        String left = run("ip", "netns", "list");
        assertFalse(left.contains(host) || left.contains(guest), "namespaces left behind: " + left);
        awaitGone(attached);
    }

    @Test void theGuestsOwnUdpArrivesNotFromAnotherAddressNorAnotherMac() throws Exception {
        ipn(guest, "addr", "add", "10." + a + "." + b + ".3/24", "dev", "vg");
        var received = start(host, RECEIVE, bridgeIp, Integer.toString(PORT), "30");
        received.await("ready");
        udp("10." + a + "." + b + ".3", "spoofed-before");
        received.await("spoofed-before");                                // without the filter the stack carries it

        attach();
        udp(guestIp, "legit");
        udp("10." + a + "." + b + ".3", "spoofed");
        udp(guestIp, "control1");
        received.await("control1");
        ipn(guest, "link", "set", "vg", "address", hex(OTHER, ":"));
        udp(guestIp, "other-mac");
        ipn(guest, "link", "set", "vg", "address", hex(M, ":"));
        udp(guestIp, "control2");
        received.await("control2");
        Thread.sleep(300);                                               // a reordered straggler would show by now
        List<String> lines = received.lines();
        assertTrue(lines.contains("legit"), lines.toString());
        assertFalse(lines.contains("spoofed"), "a datagram from an address the guest does not own arrived: " + lines);
        assertFalse(lines.contains("other-mac"), "a frame from a MAC not the guest's arrived: " + lines);
    }

    @Test void foreignArpRouterAdvertisementsAndTaggedFramesStayInTheGuest() throws Exception {
        Map<String, byte[]> bad = badFrames(), good = goodFrames();
        var before = sniff();
        send(bad, good);
        for (String k : good.keySet()) before.await(marker(k));
        for (String k : bad.keySet()) before.await(marker(k));          // without the filter every one reaches the bridge
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ipn(host, "neigh", "show", foreignIp()).isBlank()) {          // the ARP request for its address taught the host
            assertTrue(System.nanoTime() < deadline, "without the filter the host never learnt the foreign ARP sender");
            Thread.sleep(50);
        }
        ipn(host, "neigh", "flush", "dev", "br0");

        attach();
        Map<String, byte[]> bad2 = badFrames(), good2 = goodFrames();
        var after = sniff();
        send(bad2, good2);
        for (String k : good2.keySet()) after.await(marker(k));
        Thread.sleep(300);
        for (String k : bad2.keySet())
            assertFalse(after.lines().stream().anyMatch(l -> l.contains(marker(k))), k + " reached the bridge");
        assertEquals("", ipn(host, "neigh", "show", foreignIp()).strip(), "the host learnt the foreign ARP sender");
    }

    @Test void theProgramIsAttachedAtTcxIngressUntilTheDeviceGoes() throws Exception {
        attach();
        assertEquals(1, attached.length, "one program at tcx ingress of vh: " + Arrays.toString(attached));
        assertEquals(SpoofFilter.NAME, sys.bpfPrograms().get(attached[0]));
        ipn(host, "link", "del", "vh");
        awaitGone(attached);
    }

    @Test void anAttachFailureNamesTheDeviceAndTheErrno() throws Exception {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> inside(host, () -> {
            SpoofFilter.attach(sys, 99999, new SpoofPolicy(M, List.of(), List.of()));
            return null;
        }));
        assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_ATTACH tcx ingress, device index 99999) failed: ENODEV: "), e.getMessage());
        assertTrue(e.getMessage().contains("another network namespace"), e.getMessage());
    }

    // --- the frames, each with a marker of its own at the end of its payload

    final Map<String, String> markers = new LinkedHashMap<>();

    String marker(String name) {
        return markers.computeIfAbsent(name, n -> HexFormat.of().formatHex(Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36)
                .getBytes(StandardCharsets.US_ASCII)));
    }

    String foreignIp() { return "10." + a + "." + b + ".77"; }

    byte[] marked(String name, byte[] payload) { return concat(payload, HexFormat.of().parseHex(marker(name))); }

    Map<String, byte[]> badFrames() {
        markers.keySet().removeIf(k -> true);
        var f = new LinkedHashMap<String, byte[]>();
        f.put("arp from a foreign address", ether(BROADCAST, M, 0x0806,
                marked("arp from a foreign address", arp(1, M, ip(foreignIp()), new byte[6], ip(bridgeIp)))));
        f.put("router advertisement", ether(mac("33:33:00:00:00:01"), M, 0x86DD,
                ipv6(SpoofFilter.linkLocal(M), ip("ff02::1"), 58, marked("router advertisement", icmp6(134)))));
        f.put("802.1Q tagged ARP", ether(BROADCAST, M, 0x8100, concat(new byte[] {0, 5, 8, 6},
                marked("802.1Q tagged ARP", arp(1, M, ip(guestIp), new byte[6], ip(bridgeIp))))));
        return f;
    }

    Map<String, byte[]> goodFrames() {
        var f = new LinkedHashMap<String, byte[]>();
        f.put("arp from its address", ether(BROADCAST, M, 0x0806,
                marked("arp from its address", arp(1, M, ip(guestIp), new byte[6], ip(bridgeIp)))));
        f.put("neighbour solicitation", ether(mac("33:33:00:00:00:01"), M, 0x86DD,
                ipv6(SpoofFilter.linkLocal(M), ip("ff02::1"), 58, marked("neighbour solicitation", icmp6(135)))));
        return f;
    }

    // --- namespaces, processes, the filter

    void attach() throws Exception {
        int ifindex = Integer.parseInt(field(ipn(host, "-j", "link", "show", "vh"), "ifindex"));
        attached = inside(host, () -> {
            SpoofFilter.attach(sys, ifindex, new SpoofPolicy(M, List.of((Inet4Address) java.net.InetAddress.getByName(guestIp)), List.of()));
            return sys.bpfProgQuery(ifindex, Bpf.TCX_INGRESS);
        });
    }

    /** Runs {@code action} on a thread of its own that entered namespace {@code ns} first and ends after it. */
    <T> T inside(String ns, Callable<T> action) throws Exception {
        var result = new AtomicReference<T>();
        var failure = new AtomicReference<Exception>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                int fd = sys.open("/run/netns/" + ns, Syscalls.O_RDONLY, 0);
                try {
                    sys.setns(fd, Syscalls.CLONE_NEWNET);
                } finally {
                    sys.close(fd);
                }
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) throw failure.get();
        return result.get();
    }

    void awaitGone(int[] ids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Map<Integer, String> progs = sys.bpfPrograms();
            if (Arrays.stream(ids).noneMatch(progs::containsKey)) return;
            assertTrue(System.nanoTime() < deadline, "program(s) " + Arrays.toString(ids) + " still loaded after their device went");
            Thread.sleep(50);
        }
    }

    void udp(String from, String text) throws Exception {
        run("ip", "netns", "exec", guest, python, "-c", SEND_UDP, from, bridgeIp, Integer.toString(PORT), text);
    }

    void send(Map<String, byte[]> bad, Map<String, byte[]> good) throws Exception {
        var argv = new ArrayList<>(List.of("ip", "netns", "exec", guest, python, "-c", SEND_FRAMES, "vg"));
        bad.values().forEach(f -> argv.add(HexFormat.of().formatHex(f)));
        good.values().forEach(f -> argv.add(HexFormat.of().formatHex(f)));  // last: when they are seen, the bad ones had their chance
        run(argv.toArray(String[]::new));
    }

    Lines sniff() throws Exception {
        Lines l = start(host, SNIFF, "br0", "30");
        l.await("ready");
        return l;
    }

    /** A python script in namespace {@code ns}, its output lines collected as they come. */
    Lines start(String ns, String script, String... args) throws IOException {
        var argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, python, "-c", script));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(p);
        var lines = new Lines(p);
        Thread.ofVirtual().start(lines::pump);
        return lines;
    }

    static final class Lines {
        final Process process;
        final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final List<String> seen = new ArrayList<>();

        Lines(Process process) { this.process = process; }

        void pump() {
            try (var r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) queue.add(line);
            } catch (IOException e) {
                queue.add("read failed: " + e.getMessage());
            }
        }

        /** Waits up to 10 s for a line containing {@code text}. */
        void await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.stream().noneMatch(l -> l.contains(text))) {
                String l = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) throw new AssertionError("no line with " + text + " within 10 s; got " + seen);
                seen.add(l);
            }
        }

        List<String> lines() {
            queue.drainTo(seen);
            return List.copyOf(seen);
        }
    }

    String ipn(String ns, String... args) throws Exception {
        var argv = new ArrayList<>(List.of("ip", "-n", ns));
        argv.addAll(List.of(args));
        return run(argv.toArray(String[]::new));
    }

    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", argv) + " hangs");
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }

    /** A scalar of the first object in {@code ip -j} output. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
        if (!m.find()) throw new AssertionError("no " + name + " in " + json);
        return m.group(1);
    }

    static String hex(byte[] bytes, String delimiter) { return HexFormat.ofDelimiter(delimiter).formatHex(bytes); }
}
