package org.vserver.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.vserver.config.ConfigDir;
import org.vserver.config.GuestConfig;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.state.RunState;
import org.vserver.state.Xid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vserver-info [-q] NAME|XID|PID TAG [ARG]}: util-vserver's query tool, for the tags that
 * mean something without the VServer kernel (vserver.md §1.3).
 *
 * <p>The first argument is, in this order: a guest (a running guest's name or context number, a
 * guest directory, a stopped guest's {@code context} number: {@link GuestRef}); else, for XIDTYPE,
 * a bare context number; else a host pid, which stands for the guest it runs in (or the host,
 * context 0). A guest's context number thus wins over a pid with the same number.
 */
@Command(name = "vserver-info", mixinStandardHelpOptions = true,
        description = {"Query a guest, a context number or a process. Tags: CONTEXT ID RUNNING VDIR NAME CFGDIR",
            "APPDIR app, INITPID XID XIDTYPE CANONIFY APIVER, FEATURE [name] (alone: lists the features)."})
final class VserverInfoCommand implements Callable<Integer> {

    /** VServer's feature names this rebuild provides, with what provides them. */
    static final Map<String, String> FEATURES = new java.util.TreeMap<>(Map.ofEntries(
            Map.entry("vkill", "vkill through pidfds"),
            Map.entry("rlimit", "vlimit: cgroup limits and rlimits"),
            Map.entry("namespace", "mount namespace per guest"),
            Map.entry("spaces", "pid, mnt, uts, ipc, net and cgroup namespaces"),
            Map.entry("pidspace", "pid namespace: the guest's own init as pid 1"),
            Map.entry("sched", "vsched: CPU shares and quotas"),
            Map.entry("vwait", "vwait through pidfds"),
            Map.entry("vstat", "vserver-stat"),
            Map.entry("pivot_root", "guests start with pivot_root"),
            Map.entry("memcg", "memory cgroup"),
            Map.entry("dynamic", "guests without a context file get a free context number"),
            Map.entry("migrate", "exec and enter join a running guest"),
            Map.entry("vhi", "per-guest node and domain name (UTS namespace)")));

    /**
     * VServer's tags that have no meaning here, and why. The others (iattr, vshelper, vnet,
     * persistent) are features, not tags: FEATURE answers 1 for them.
     */
    static final Map<String, String> UNSUPPORTED = Map.of(
            "NID", "there are no network contexts: a guest's network is its network namespace",
            "TAG", "files carry no context tags on mainline",
            "PXID", "contexts have no parent context on mainline",
            "INITPID_PID", "the guest's init is pid 1 in its pid namespace; INITPID gives its host pid",
            "UTS", "read the guest's names with `vserver NAME exec uname -a`",
            "SYSINFO", "it described the VServer kernel's build; there is no VServer kernel",
            "VERIFYCAP", "it checked the VServer kernel's capabilities; there is no VServer kernel",
            "VERIFYPROC", "it checked /proc/virtual of the VServer kernel; there is none");

    static final List<String> TAGS = List.of("CONTEXT", "ID", "RUNNING", "VDIR", "NAME", "CFGDIR", "APPDIR", "INITPID",
            "XID", "XIDTYPE", "CANONIFY", "APIVER", "FEATURE");

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "-q", description = "quiet: print nothing, only the exit code tells") boolean quiet;

    @Parameters(index = "0", paramLabel = "NAME|XID|PID") String target;

    @Parameters(index = "1", paramLabel = "TAG") String tagArg;

    @Parameters(index = "2", arity = "0..1", paramLabel = "ARG", description = "the feature of FEATURE, the application of APPDIR")
    String arg;

    /** The guest the first argument names, or the host (a host pid). */
    record Subject(Optional<GuestRef> guest, String described) {}

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        String tag = tagArg.toUpperCase(Locale.ROOT);
        if (UNSUPPORTED.containsKey(tag)) return fail("tag " + tag + " is not supported: " + UNSUPPORTED.get(tag));
        if (!TAGS.contains(tag)) {
            err.println("vserver-info: unknown tag '" + tagArg + "'; tags: " + String.join(" ", TAGS));
            return 2;
        }
        if (tag.equals("APIVER")) return print("mainline");
        if (tag.equals("FEATURE")) return feature();

        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        Optional<GuestRef> ref = GuestRef.find(guests, target);
        boolean number = Xid.isNumber(target);
        if (ref.isEmpty() && tag.equals("XIDTYPE") && number) return xidType(Long.parseLong(target));
        Subject s;
        if (ref.isPresent()) s = new Subject(ref, "guest '" + ref.get().name() + "'");
        else if (number && Long.parseLong(target) <= Integer.MAX_VALUE && Files.isDirectory(guests.vserver().proc().root().resolve(target)))
            s = new Subject(GuestRef.ofPid(guests, guests.vserver().proc().root(), Integer.parseInt(target)), "pid " + target);
        else return fail("'" + target + "' is neither a guest, the context number of one, nor a pid");

        if (s.guest().isEmpty())                                    // a host process: context 0
            return switch (tag) {
                case "CONTEXT", "XID" -> print(Integer.toString(Xid.HOST));
                case "XIDTYPE" -> print(Xid.Kind.MAIN.word());
                case "RUNNING" -> print("running");
                default -> fail(s.described() + " runs on the host (context 0), not in a guest: " + tag + " has no value");
            };
        GuestRef g = s.guest().get();
        Optional<RunState> run = g.running();
        return switch (tag) {
            case "CONTEXT" -> run.isPresent() ? print(Integer.toString(run.get().xid())) : notRunning(g);
            case "INITPID" -> run.isPresent() ? print(Integer.toString(run.get().initPid())) : notRunning(g);
            case "RUNNING" -> run.isPresent() ? print("running") : quietFailure("stopped");
            case "ID", "CANONIFY" -> print(g.name());
            case "NAME" -> print(config(guests, g).name());
            case "VDIR" -> print(config(guests, g).vdir().toString());
            case "CFGDIR" -> print(config(guests, g).cfgdir().toString());
            case "APPDIR" -> appDir(config(guests, g));
            case "XID" -> {
                OptionalInt c = ConfigDir.staticContext(guests.vserver().config(), g.name());
                yield run.isPresent() ? print(Integer.toString(run.get().xid()))
                        : c.isPresent() ? print(Integer.toString(c.getAsInt()))
                        : fail("guest '" + g.name() + "' has no context file and is not running: its context number is chosen at start");
            }
            case "XIDTYPE" -> print((ConfigDir.staticContext(guests.vserver().config(), g.name()).isPresent() ? Xid.Kind.STATIC : Xid.Kind.DYNAMIC).word());
            default -> throw new IllegalStateException("tag " + tag);
        };
    }

    private static GuestConfig config(Guests guests, GuestRef g) throws Exception { return guests.config(g.name()); }

    /** VServer's classes of context numbers (vserver.md §4.1). */
    private int xidType(long xid) {
        try {
            return print(Xid.kind(xid).word());
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        }
    }

    private int feature() {
        if (arg == null) {
            FEATURES.forEach((f, how) -> { if (!quiet) out.println(f + "\t" + how); });
            out.flush();
            return 0;
        }
        return FEATURES.containsKey(arg.toLowerCase(Locale.ROOT)) ? 0 : 1;
    }

    private int appDir(GuestConfig cfg) {
        if (arg == null) return fail("APPDIR needs the application's name: vserver-info NAME APPDIR init");
        Path dir = cfg.cfgdir().resolve("apps").resolve(arg);
        return Files.isDirectory(dir) ? print(dir.toString()) : fail(dir + ": no such directory");
    }

    private int notRunning(GuestRef g) { return fail("guest '" + g.name() + "' is not running"); }

    private int print(String value) {
        if (!quiet) {
            out.println(value);
            out.flush();
        }
        return 0;
    }

    /** A "no" answer rather than an error: on stdout, exit 1. */
    private int quietFailure(String value) {
        print(value);
        return 1;
    }

    private int fail(String message) {
        err.println("vserver-info: " + message);
        err.flush();
        return 1;
    }
}
