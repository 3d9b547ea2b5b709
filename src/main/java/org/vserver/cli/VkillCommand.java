package org.vserver.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.guest.Guests;
import org.vserver.state.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vkill --xid GUEST [-s SIG] [PID...]}: signals in a guest, pids in the guest's own pid
 * space (1 is its init). Without pids, every process of the guest.
 */
@Command(name = "vkill", mixinStandardHelpOptions = true, description = "Send a signal to processes of a guest.")
final class VkillCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", required = true, paramLabel = "GUEST", description = "guest name or context number")
    String xid;

    @Option(names = "-s", paramLabel = "SIG", description = "signal number or name (default TERM)")
    String signal = "TERM";

    @Parameters(paramLabel = "PID") List<Integer> pids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        RunState st = guests.runningByXid(xid);
        int sig = org.vserver.config.KillSeq.signal(signal);
        if (sig < 0) throw new IllegalArgumentException("unknown signal '" + signal + "'");
        List<Integer> hostPids = guests.vserver().cgroups().processes(st.name());
        List<Integer> targets = new ArrayList<>();
        if (pids.isEmpty()) targets.addAll(hostPids);
        else
            for (int guestPid : pids) {
                int host = hostPid(hostPids, guestPid);
                if (host < 0) {
                    spec.commandLine().getErr().println("vkill: no process " + guestPid + " in guest " + st.name());
                    return 1;
                }
                targets.add(host);
            }
        for (int pid : targets) {
            try {
                guests.vserver().sys().kill(pid, sig);
            } catch (org.vserver.sys.ErrnoException e) {
                if (e.errno() != org.vserver.sys.Errno.ESRCH) throw e;
            }
        }
        return 0;
    }

    /** The host pid whose innermost pid (NSpid's last field) is {@code guestPid}; -1 if none. */
    static int hostPid(List<Integer> hostPids, int guestPid) {
        for (int pid : hostPids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
                    if (line.startsWith("NSpid:")) {
                        String[] f = line.trim().split("\\s+");
                        if (Integer.parseInt(f[f.length - 1]) == guestPid) return pid;
                    }
            } catch (java.io.IOException gone) {
                // exited meanwhile
            }
        }
        return -1;
    }
}
