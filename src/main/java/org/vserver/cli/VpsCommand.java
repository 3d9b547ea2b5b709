package org.vserver.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.HostView;
import org.vserver.proc.GuestOfPid;
import org.vserver.proc.VpsColumn;
import org.vserver.state.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vps PS-OPTIONS}: the host's ps with a CONTEXT column ("xid name", "0 MAIN" for the host). */
@Command(name = "vps", description = "ps(1) of every process on the host, with the guest each one belongs to.")
final class VpsCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PS-OPTIONS") List<String> psArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        Map<String, String> context = new HashMap<>();
        for (RunState st : new HostView(guests).runningGuests()) context.put(st.name(), st.xid() + " " + st.name());
        var ofPid = new GuestOfPid(Path.of("/proc"), guests.vserver().cgroupParent());
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(psArgs);
        Process ps = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = ps.waitFor();
        var out = spec.commandLine().getOut();
        out.print(VpsColumn.insertContextColumn(text, pid -> {
            try {
                return ofPid.guestOf(pid).map(g -> context.getOrDefault(g, "? " + g)).orElse(VpsColumn.HOST);
            } catch (java.io.IOException gone) {
                return null; // the process exited since ps listed it
            }
        }));
        out.flush();
        return rc;
    }
}
