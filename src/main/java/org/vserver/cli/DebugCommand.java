package org.vserver.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.context.EnterPlanner;
import org.vserver.context.UserNamespace;
import org.vserver.guest.GuestStart;
import org.vserver.guest.Guests;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.PlanWriter;
import org.vserver.state.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.vserver.guest.GuestLimits;
import org.vserver.net.NetworkPlanText;

/** {@code vserver debug plan NAME start|exec|enter}: what the launcher would be told to do. */
@Command(name = "debug", subcommands = DebugCommand.PlanCommand.class, description = "Inspect what vserver decides.")
final class DebugCommand {
    final Optional<Path> confdir;

    DebugCommand(Optional<Path> confdir) { this.confdir = confdir; }

    @Command(name = "plan", description = "Print the launcher plan of a start, of an exec (the replayed plan) or of an enter; or what the resource settings (limits) and the network mode (network) become on this host.")
    static final class PlanCommand implements Callable<Integer>, Main.OptionsAfterArguments {
        @picocli.CommandLine.ParentCommand DebugCommand parent;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME") String name;

        @Parameters(index = "1", paramLabel = "start|exec|enter|limits|network") String which;

        @Option(names = "--binary", paramLabel = "FILE", description = "also write the plan in the wire format to FILE")
        Path binary;

        @Override
        public Integer call() throws Exception {
            var out = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
            Guests guests = VserverCommand.guests(parent.confdir, out, System.err);
            var cfg = guests.config(name);
            if (which.equals("network")) {
                var running = guests.running(name);
                int xid = cfg.context().isPresent() ? cfg.context().getAsInt() : running.map(RunState::xid).orElse(0);
                var o = spec.commandLine().getOut();
                o.print(NetworkPlanText.render(new GuestStart(guests).networkPlan(cfg, xid)));
                o.flush();
                return 0;
            }
            if (which.equals("limits")) {
                // What the resource files become on this host's kernel, without starting anything.
                var rp = new GuestLimits(guests).plan(cfg);
                var o = spec.commandLine().getOut();
                var c = rp.cgroup();
                o.println(guests.vserver().cgroups().version() + " (-1 = no limit):");
                o.println("  cpu: period " + c.cpu().periodUs() + " us, quota " + c.cpu().quotaUs() + " us, burst "
                        + c.cpu().burstUs() + " us, weight " + c.cpuWeight());
                o.println("  cpuset: cpus " + c.cpus().map(Object::toString).orElse("(the parent's)") + ", mems "
                        + c.mems().map(Object::toString).orElse("(the parent's)") + (c.cpuExclusive() ? ", cpu_exclusive" : "")
                        + (c.memExclusive() ? ", mem_exclusive" : ""));
                o.println("  memory: max " + c.memory().max() + ", high " + c.memory().high() + ", low " + c.memory().low() + " bytes");
                o.println("  pids.max " + c.pidsMax() + ", io weight " + c.ioWeight() + (c.frozen() ? ", frozen (sched_pause)" : ""));
                for (var l : rp.process()) o.println("setrlimit(RLIMIT_" + l.resource() + ", " + l.soft() + ", " + l.hard() + ")");
                rp.ionice().ifPresent(n -> o.println("ioprio_set(class " + n.ioClass() + ", " + n.priority() + ")"));
                for (String n : rp.notes()) o.println("note: " + n);
                o.flush();
                return 0;
            }
            if (which.equals("start") && binary == null) {
                // What `vserver NAME start` runs: the compiled plan, if there is one, and whether it is current.
                var cached = new GuestStart(guests).cached(name);
                // The verdict goes to stderr: stdout stays the plan's text, as --dry-run prints it.
                if (cached.isPresent()) {
                    System.err.println("vserver: " + cached.get().dir() + ": " + cached.get().verdict()
                            + (cached.get().verdict().equals("current") ? "" : " (the next start compiles it again)"));
                    var o = spec.commandLine().getOut();
                    o.print(cached.get().text());
                    o.flush();
                    return 0;
                }
                System.err.println("vserver: no compiled start plan yet (the first start compiles it); this one lacks its host steps");
            }
            Plan plan = switch (which) {
                case "start" -> new GuestStart(guests).plan(cfg, null);
                case "exec", "enter" -> {
                    // Not running: show the plan against a placeholder init (pid 0) so it can still be read.
                    RunState st = guests.running(name).orElse(new RunState(name, 0, 0, 0, 0, ""));
                    var cmd = which.equals("exec")
                            ? new EnterPlanner.Command(null, EnterPlanner.User.ROOT, false, Map.of())
                            : new EnterPlanner.Command(List.of("/bin/sh", "-l"), EnterPlanner.User.ROOT, true, Map.of("TERM", "linux"));
                    var target = st.initPid() == 0   // not running: as a guest started now would be joined
                            ? new EnterPlanner.Target(0, 0, guests.vserver().cgroups().procsFiles(name), UserNamespace.planned(cfg))
                            : guests.joinTarget(name, st);
                    yield new EnterPlanner().plan(cfg, target, cmd, which.equals("exec"));
                }
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "which plan: start, exec, enter, limits or network, not '" + which + "'");
            };
            spec.commandLine().getOut().print(PlanText.render(plan));
            spec.commandLine().getOut().flush();
            if (binary != null) Files.write(binary, PlanWriter.write(plan));
            return 0;
        }
    }

}
