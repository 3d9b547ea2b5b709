package org.vserver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.vserver.config.ConfigDir;
import org.vserver.config.ContextCapability;
import org.vserver.config.GuestConfig;
import org.vserver.context.Capabilities;
import org.vserver.guest.GuestLimits;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.limits.Sched;
import org.vserver.kernel.Capability;
import org.vserver.state.RunState;
import org.vserver.sys.ProcFs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.vserver.proc.ProcStatus;

/**
 * {@code vattribute --xid X --get}: the running guest's bounding capabilities (as its init holds
 * them), its context capabilities and flags (from the configuration) and the live scheduler flags.
 * {@code --set} is refused: mainline cannot widen or narrow the capabilities of processes that run.
 */
@Command(name = "vattribute", mixinStandardHelpOptions = true,
        description = {"Show a running guest's capabilities and flags.", "  vattribute --xid GUEST --get [--json]"})
final class VattributeCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", required = true, paramLabel = "GUEST", description = "guest name or context number")
    String xid;

    @Option(names = "--get", description = "print the attributes (the default)") boolean get;

    @Option(names = "--set", description = "not supported on mainline (see the message)") boolean set;

    @Option(names = {"--bcap", "--ccap", "--flag", "--umask"}, paramLabel = "[~]NAME", hidden = true) List<String> changes = new ArrayList<>();

    @Option(names = "--secure", hidden = true) boolean secure;

    @Option(names = "--json", description = "one JSON object") boolean json;

    /** What vattribute --get shows; {@code schedFlags} are the live ones (vsched changes them). */
    record Attributes(String guest, int xid, Set<Capability> bcaps, Set<ContextCapability> ccaps, List<String> cflags, List<String> schedFlags) {}

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        if (set || secure || !changes.isEmpty()) {
            err.println("vattribute: --set is not supported: the mainline kernel cannot change the capabilities of running"
                    + " processes; edit bcapabilities, ccapabilities or cflags in the guest's configuration and restart it;"
                    + " the scheduler flags sched_hard, sched_prio and sched_pause change live with `vsched --xid GUEST --flag`");
            return 1;
        }
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        RunState st = GuestRef.requireRunning(guests, xid);
        GuestConfig cfg = guests.config(st.name());
        Sched sched = new GuestLimits(guests).live(st.name()).sched();
        List<String> schedFlags = new ArrayList<>();
        if (sched.hard()) schedFlags.add("sched_hard");
        if (sched.prio()) schedFlags.add("sched_prio");
        if (sched.pause()) schedFlags.add("sched_pause");
        var a = new Attributes(st.name(), st.xid(), bounding(guests.vserver().proc(), st.initPid()), Capabilities.context(cfg.ccapabilities()),
                ConfigDir.contextFlags(guests.vserver().config(), st.name()), schedFlags);
        var out = spec.commandLine().getOut();
        out.print(json ? json(a) + "\n" : text(a));
        out.flush();                                   // print() does not flush, and Main halts the JVM
        return 0;
    }

    /** The bounding set the guest's init holds (CapBnd of /proc/PID/status), by name. */
    static Set<Capability> bounding(ProcFs proc, int initPid) throws java.io.IOException {
        return ProcStatus.boundingSet(proc.pid(initPid));
    }

    static String text(Attributes a) {
        return "guest: " + a.guest() + " (xid " + a.xid() + ")\n"
                + "bcapabilities: " + String.join(" ", a.bcaps().stream().map(Enum::name).toList()) + "\n"
                + "ccapabilities: " + String.join(" ", ccapNames(a)) + "\n"
                + "cflags: " + (a.cflags().isEmpty() ? "-" : String.join(" ", a.cflags())) + "\n"
                + "sched flags (live): " + (a.schedFlags().isEmpty() ? "-" : String.join(" ", a.schedFlags())) + "\n";
    }

    static String json(Attributes a) {
        return "{\"guest\":\"" + a.guest().replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"xid\":" + a.xid()
                + ",\"bcapabilities\":" + array(a.bcaps().stream().map(Enum::name).toList())
                + ",\"ccapabilities\":" + array(ccapNames(a))
                + ",\"cflags\":" + array(a.cflags()) + ",\"sched_flags\":" + array(a.schedFlags()) + "}";
    }

    /** As util-vserver writes them, sorted by name. */
    private static List<String> ccapNames(Attributes a) {
        return a.ccaps().stream().map(ContextCapability::lowerName).sorted().toList();
    }

    /** Names are [a-z0-9_] (checked when the configuration is read): nothing to escape. */
    private static String array(List<String> names) {
        return "[" + String.join(",", names.stream().map(n -> "\"" + n + "\"").toList()) + "]";
    }
}
