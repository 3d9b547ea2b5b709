package org.vserver.guest;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.net.Nat;
import org.vserver.net.NetworkPlan;
import org.vserver.net.Netns;
import org.vserver.net.Rtnetlink;
import org.vserver.net.SpoofFilter;
import org.vserver.state.GuestLock;
import org.vserver.sys.Syscalls;

/**
 * Carries out a netns guest's {@link NetworkPlan} on the host and undoes it (a shared guest's
 * addresses and bind hooks are steps of its compiled start: doc/plan-cache.md). Each host change is appended
 * to the run state's {@code network} file before it is made, so {@link #cleanup} (stop, a failed
 * start, or the next command after a crash) undoes exactly what was done, and nothing more:
 * <pre>
 * netns net:[4026531840]          the namespace the changes were made in
 * address lo 127.77.0.1/32        an address added to a host device (by an older vserver: now the launcher's journal)
 * link vs40001                    the host end of a veth (the guest's end goes with it)
 * port vnet0                      a port of a bridge vserver may own
 * nat vs40001                     the guest's nftables table (interfaces/nat)
 * </pre>
 * The cgroup-bpf programs need no line: they go with the guest's cgroup.
 */
final class GuestNetwork {
    private final Vserver vs;

    GuestNetwork(Vserver vs) { this.vs = vs; }

    /** While the init waits at its first sync: it exists, in its own namespaces, and runs nothing yet. */
    void atGuestPid(String name, NetworkPlan plan, int initPid) throws IOException {
        switch (plan) {
            case NetworkPlan.Netns n -> setUpVeth(name, n, initPid);
            default -> {}
        }
    }

    private void setUpVeth(String name, NetworkPlan.Netns n, int initPid) throws IOException {
        record(name, "netns " + currentNetns());
        int ns = vs.sys().open(vs.proc().netns(initPid).toString(), Syscalls.O_RDONLY, 0);
        try (Rtnetlink rt = Rtnetlink.open(vs.sys())) {
            int bridge = joinBridge(name, rt, n.bridge(), n.mtu());
            int mtu = n.mtu() != null ? n.mtu() : rt.link(n.bridge()).orElseThrow().mtu();
            if (rt.link(n.hostLink()).isPresent())
                throw new IOException("guest " + name + ": link " + n.hostLink() + " already exists on the host"
                        + " (a guest with the same XID runs in another network namespace?); delete it with: ip link del " + n.hostLink());
            record(name, "link " + n.hostLink());
            int host = rt.addVeth(n.hostLink(), n.guestLink(), n.spoof().mac(), ns);
            SpoofFilter.attach(vs.sys(), host, n.spoof());                    // before the port can forward anything
            rt.setMtu(host, mtu);                                              // before the port joins: the bridge follows its ports
            rt.setMaster(host, bridge);
            rt.setUp(host);
            List<InetAddress> gateways = n.gateways().isEmpty() ? bridgeGateways(rt, bridge, n) : n.gateways();
            if (n.nat()) {
                record(name, "nat " + n.hostLink());
                Nat.add(vs.proc(), n.hostLink(), n.spoof().v4(), n.bridge());
            }
            Netns.inside(vs.sys(), ns, () -> {
                try (Rtnetlink g = Rtnetlink.open(vs.sys())) {
                    g.setUp(index(g, "lo"));
                    int eth = index(g, n.guestLink());
                    g.setMtu(eth, mtu);
                    for (NetworkPlan.GuestAddress a : n.addresses()) g.addAddress(eth, a.address(), a.prefix(), null);
                    g.setUp(eth);
                    for (InetAddress gw : gateways) g.addDefaultRoute(eth, gw);
                }
                return null;
            });
        } finally {
            vs.sys().close(ns);
        }
    }

    /**
     * The bridge's ifindex, creating the bridge (and vserver's claim on it) if the host has none of
     * that name. Under the host-wide network lock: a stopping guest may be removing the bridge.
     */
    private int joinBridge(String name, Rtnetlink rt, String bridge, Integer mtu) throws IOException {
        try (GuestLock lock = GuestLock.acquire(vs.state().networkLock(), vs.proc())) {
            record(name, "port " + bridge);
            Optional<Rtnetlink.Link> l = rt.link(bridge);
            if (l.isPresent()) {
                if (!"bridge".equals(l.get().kind()))
                    throw new IOException("guest " + name + ": " + bridge + " (interfaces/bridge) is a "
                            + (l.get().kind().isEmpty() ? "device" : l.get().kind()) + ", not a bridge");
                return l.get().index();
            }
            Files.writeString(vs.state().bridgeMarker(bridge), "created for guest " + name + "\n");
            int index = rt.addBridge(bridge);
            if (mtu != null) rt.setMtu(index, mtu);
            return index;
        }
    }

    /** For each family the guest has addresses of: the bridge's address in the same subnet, if any. */
    private static List<InetAddress> bridgeGateways(Rtnetlink rt, int bridge, NetworkPlan.Netns n) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        List<Rtnetlink.Address> own = rt.addresses().stream().filter(a -> a.index() == bridge).toList();
        for (boolean v4 : new boolean[] {true, false}) {
            Optional<NetworkPlan.GuestAddress> first = n.addresses().stream()
                    .filter(a -> (a.address() instanceof Inet4Address) == v4).findFirst();
            if (first.isEmpty()) continue;
            for (Rtnetlink.Address b : own)
                if ((b.address() instanceof Inet4Address) == v4 && sameSubnet(b.address(), first.get().address(), b.prefix())) {
                    out.add(b.address());
                    break;
                }
        }
        return out;
    }

    static boolean sameSubnet(InetAddress a, InetAddress b, int prefix) {
        byte[] x = a.getAddress(), y = b.getAddress();
        if (x.length != y.length) return false;
        for (int bit = 0; bit < prefix; bit++) {
            int m = 0x80 >> (bit % 8);
            if ((x[bit / 8] & m) != (y[bit / 8] & m)) return false;
        }
        return true;
    }

    /** Undoes what the {@code network} file lists, newest first; what is already gone is fine. */
    void cleanup(String name) throws IOException {
        Path f = vs.state().networkFile(name);
        if (!Files.exists(f)) return;
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        java.util.Collections.reverse(lines);
        List<String> failures = new ArrayList<>();
        String here = currentNetns();
        try (Rtnetlink rt = Rtnetlink.open(vs.sys())) {
            for (String line : lines) {
                String[] w = line.split(" ");
                try {
                    switch (w[0]) {
                        case "netns" -> {
                            if (!w[1].equals(here))
                                failures.add("its network was set up in " + w[1] + " and this command runs in " + here
                                        + ": run `vserver " + name + " stop` there (nsenter --net=...) to remove its addresses and links");
                        }
                        case "address" -> deleteAddress(rt, w[1], w[2]);
                        case "link" -> {
                            Optional<Rtnetlink.Link> l = rt.link(w[1]);
                            if (l.isPresent()) rt.deleteLink(l.get().index());
                        }
                        case "port" -> releaseBridge(rt, w[1]);
                        case "nat" -> Nat.remove(w[1]);
                        default -> failures.add("unknown line in " + f + ": " + line);
                    }
                } catch (IOException e) {
                    failures.add(e.getMessage());
                }
            }
        }
        Files.delete(f);
        if (!failures.isEmpty()) throw new IOException("guest " + name + ": network cleanup: " + String.join("; ", failures));
    }

    private static void deleteAddress(Rtnetlink rt, String dev, String cidr) throws IOException {
        int slash = cidr.lastIndexOf('/');
        InetAddress a = InetAddress.ofLiteral(cidr.substring(0, slash));
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        Optional<Rtnetlink.Link> l = rt.link(dev);
        if (l.isEmpty()) return;                                                   // the device went, and its addresses with it
        for (Rtnetlink.Address have : rt.addresses())
            if (have.index() == l.get().index() && have.address().equals(a)) {
                rt.deleteAddress(have.index(), a, prefix);
                return;
            }
    }

    /** Removes a bridge vserver created once its last port is gone. */
    private void releaseBridge(Rtnetlink rt, String bridge) throws IOException {
        try (GuestLock lock = GuestLock.acquire(vs.state().networkLock(), vs.proc())) {
            Path marker = vs.state().bridgeMarker(bridge);
            if (!Files.exists(marker)) return;                                     // the admin's bridge: never ours to remove
            Optional<Rtnetlink.Link> b = rt.link(bridge);
            if (b.isEmpty()) {
                Files.deleteIfExists(marker);
                return;
            }
            for (Rtnetlink.Link l : rt.links()) if (l.master() == b.get().index()) return;   // still used by another guest
            rt.deleteLink(b.get().index());
            Files.deleteIfExists(marker);
        }
    }

    private void record(String name, String line) throws IOException {
        Files.writeString(vs.state().networkFile(name), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.SYNC);
    }

    private static int index(Rtnetlink rt, String dev) throws IOException {
        return rt.link(dev).orElseThrow(() -> new IOException("network device " + dev + " does not exist"
                + " (check interfaces/dev and interfaces/*/dev)")).index();
    }

    /** {@code net:[inode]} of this process's network namespace. */
    private String currentNetns() throws IOException {
        return Files.readSymbolicLink(vs.proc().self().resolve("ns").resolve("net")).toString();
    }

}
