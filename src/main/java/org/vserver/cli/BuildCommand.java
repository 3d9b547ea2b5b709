package org.vserver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.vserver.guest.GuestBuild;
import org.vserver.guest.GuestStart;
import picocli.CommandLine.Command;
import org.vserver.unify.Hashify;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = {
        "Create the guest: its root by a build method, then its configuration.",
        "Methods: host (default: the host's /usr shared read-only, no download), skeleton,",
        "template -- -t TARBALL, clone -- --source GUEST|DIR, debootstrap -- -d SUITE [-m MIRROR]."})
final class BuildCommand extends GuestVerb {
    @Option(names = {"-m", "--method"}, paramLabel = "METHOD") String method;

    @Option(names = "--context", paramLabel = "XID", description = "static context number (default: .defaults/context.next, from 40000)")
    Integer context;

    @Option(names = "--hostname", paramLabel = "NAME") String hostname;

    @Option(names = "--interface", paramLabel = "[NAME=][DEV:]IP[/PREFIX]") List<String> interfaces = new ArrayList<>();

    @Option(names = "--initstyle", paramLabel = "STYLE") String initStyle;

    @Option(names = "--force", description = "replace an existing guest") boolean force;

    @Option(names = "--hashify", description = "unify the new guest's files into the content-hash store (as vhashify NAME)")
    boolean hashify;

    @Parameters(paramLabel = "METHOD-ARGS", description = "arguments of the method, after --") List<String> methodArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var opts = new GuestBuild.Options(method, context == null ? OptionalInt.empty() : OptionalInt.of(context),
                hostname, interfaces, initStyle, force, methodArgs);
        new GuestBuild(parent.guests()).build(parent.name, opts, line -> parent.out.println(line));
        // After the build, not inside it: a hashify that fails leaves a built guest, as a later vhashify would.
        if (hashify && VhashifyCommand.run(parent.guests(), parent.name, false, new Hashify.Options(false, false, false, false),
                parent.out, parent.err) != 0) return 1;
        // its start compiled now: the first start runs without a JVM too (doc/plan-cache.md)
        new GuestStart(parent.guests(), StatusCommand::template).compileAhead(parent.name);
        parent.out.println("guest " + parent.name + " built: start it with `vserver " + parent.name + " start`");
        return 0;
    }
}
