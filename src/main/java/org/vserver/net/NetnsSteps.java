package org.vserver.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.bpf.EbpfProgram;
import org.vserver.plan.Step;

/**
 * A netns guest's {@link NetworkPlan.Netns} as steps of its compiled start (doc/plan-cache.md),
 * run by the launcher before the guest's init exists: its network namespace is already held by
 * fd, so the veth's guest end is made in it directly, and the guest's addresses and routes are set
 * in it from outside. What only the running host knows (the bridge's MTU and addresses, whether a
 * device of the host link's name exists) the launcher reads when it runs them.
 */
public final class NetnsSteps {
    private NetnsSteps() {}

    /**
     * @param netnsFd where the launcher holds the guest's network namespace
     * @param rundir  the run directory: the network lock and vserver's bridge markers live there
     * @param nft     the nft program, for {@code interfaces/nat}
     */
    public static List<Step> of(NetworkPlan.Netns n, int netnsFd, Path rundir, Optional<Path> nft) {
        List<Step> out = new ArrayList<>();
        out.add(new Step.Veth(n.bridge(), rundir.toString(), n.hostLink(), n.guestLink(), NetworkPlanText.mac(n.spoof().mac()),
                netnsFd, n.mtu() == null ? -1 : n.mtu(), new EbpfProgram(SpoofFilter.of(n.spoof()))));
        List<Inet4Address> sources = n.spoof().v4();
        if (n.nat() && !sources.isEmpty())
            out.add(new Step.Nat(nft.orElseThrow(() -> new IllegalStateException("interfaces/nat without nft")).toString(),
                    n.hostLink(), Nat.ruleset(n.hostLink(), sources, n.bridge())));
        List<String> addresses = new ArrayList<>();
        for (NetworkPlan.GuestAddress a : n.addresses()) addresses.add(Addresses.text(a.address()) + "/" + a.prefix());
        List<String> gateways = new ArrayList<>();
        for (InetAddress g : n.gateways()) gateways.add(Addresses.text(g));
        out.add(new Step.NetnsConfig(netnsFd, n.guestLink(), n.bridge(), addresses, gateways));
        return out;
    }

    /** True if the plan needs the nft program. */
    public static boolean needsNft(NetworkPlan.Netns n) {
        return n.nat() && !n.spoof().v4().isEmpty();
    }
}
