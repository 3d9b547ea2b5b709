package org.vserver.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vserver.config.KillSeq;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.guest.PidfdSignal;
import org.vserver.proc.GuestOfPid;
import org.vserver.proc.GuestProcess;
import org.vserver.proc.ProcStat;
import org.vserver.state.RunState;
import org.vserver.sys.Errno;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vkill [--xid GUEST] [-s SIG] [--] [PID...]}. With {@code --xid} the pids are the guest's
 * own (1 is its init) and no pid means every process of the guest (VServer's pid 0); without it,
 * host pids. Every signal goes through a pidfd after checking the process is still the one chosen
 * ({@link PidfdSignal}): a pid recycled meanwhile, or now another guest's, is never hit.
 */
@Command(name = "vkill", mixinStandardHelpOptions = true, description = "Send a signal to processes of a guest or of the host.")
final class VkillCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", paramLabel = "GUEST", description = "guest name or context number: the pids are the guest's own")
    String xid;

    @Option(names = "-s", paramLabel = "SIG", description = "signal name (with or without SIG) or number; 0 only tests (default TERM)")
    String signal = "TERM";

    @Parameters(paramLabel = "PID", description = "pids in the guest (with --xid; none = all of its processes) or on the host")
    List<Integer> pids = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        int sig = signal.equals("0") ? 0 : KillSeq.signal(signal);
        if (sig < 0) throw new IllegalArgumentException("unknown signal '" + signal + "'");
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        Path proc = guests.vserver().proc().root();
        var signaller = new PidfdSignal(guests.vserver().sys(), proc);
        if (xid == null) return hostPids(proc, signaller, sig, err);

        RunState st = GuestRef.requireRunning(guests, xid);
        var ofPid = new GuestOfPid(proc, guests.vserver().cgroupParent());
        PidfdSignal.Check inGuest = pid -> ofPid.guestOf(pid).filter(st.name()::equals).isPresent();
        Map<Integer, GuestProcess> byGuestPid = guestProcesses(proc, guests.vserver().cgroups().processes(st.name()));
        List<GuestProcess> targets = new ArrayList<>();
        if (pids.isEmpty()) targets.addAll(byGuestPid.values());
        for (int guestPid : pids) {
            GuestProcess p = byGuestPid.get(guestPid);
            if (p == null) {
                err.println("vkill: no process " + guestPid + " in guest " + st.name());
                return 1;       // nothing signalled: a typo must not leave half the list signalled
            }
            targets.add(p);
        }
        int rc = 0;
        for (GuestProcess p : targets) {
            if (signaller.send(p, inGuest, sig) == PidfdSignal.Result.GONE && !pids.isEmpty()) {
                err.println("vkill: process " + guestPidOf(byGuestPid, p) + " of guest " + st.name()
                        + " exited before it was signalled");
                rc = 1;
            }
        }
        return rc;
    }

    private int hostPids(Path proc, PidfdSignal signaller, int sig, java.io.PrintWriter err) throws IOException {
        if (pids.isEmpty()) {
            err.println("vkill: give host pids, or --xid GUEST for a guest's processes (see --help)");
            return 2;
        }
        long self = ProcessHandle.current().pid();
        for (int pid : pids) {
            String refusal = pid <= 0 ? "pid " + pid + " is not a process (process groups and -1 are not signalled)"
                    : pid == 1 ? "refusing to signal host pid 1, the host's init (for a guest's init: --xid GUEST 1)"
                    : pid == self ? "refusing to signal pid " + pid + ", vkill itself" : null;
            if (refusal != null) {
                err.println("vkill: " + refusal);
                return 1;
            }
        }
        int rc = 0;
        for (int pid : pids) {
            Optional<ProcStat> p = ProcStat.read(proc, pid);
            if (p.isEmpty() || signaller.send(GuestProcess.of(p.get()), q -> true, sig) == PidfdSignal.Result.GONE) {
                err.println("vkill: no process " + pid);
                rc = 1;
            }
        }
        return rc;
    }

    /**
     * The guest's processes by their pid in the guest (NSpid's last field), each with its host pid
     * and start time. The start time is read before NSpid: if the pid is reused in between, the
     * start time recorded is the old process's and the signal is refused.
     */
    static Map<Integer, GuestProcess> guestProcesses(Path proc, List<Integer> hostPids) throws IOException {
        Map<Integer, GuestProcess> out = new LinkedHashMap<>();
        for (int pid : hostPids) {
            Optional<ProcStat> stat = ProcStat.read(proc, pid);
            if (stat.isEmpty()) continue;
            int inner = innermostPid(proc, pid);
            if (inner > 0) out.put(inner, GuestProcess.of(stat.get()));
        }
        return out;
    }

    /** NSpid's last field of {@code /proc/PID/status}; -1 if the process is gone. */
    private static int innermostPid(Path proc, int pid) throws IOException {
        Path status = proc.resolve(Integer.toString(pid)).resolve("status");
        try {
            for (String line : Files.readAllLines(status))
                if (line.startsWith("NSpid:")) {
                    String[] f = line.trim().split("\\s+");
                    return Integer.parseInt(f[f.length - 1]);
                }
            return -1;
        } catch (NoSuchFileException gone) {
            return -1;
        } catch (IOException e) {
            if (Errno.of(e) == Errno.ESRCH) return -1;
            throw new IOException("read(`" + status + "`) failed: " + e.getMessage(), e);
        }
    }

    private static int guestPidOf(Map<Integer, GuestProcess> byGuestPid, GuestProcess p) {
        return byGuestPid.entrySet().stream().filter(e -> e.getValue().equals(p)).mapToInt(Map.Entry::getKey).findFirst().orElse(-1);
    }
}
