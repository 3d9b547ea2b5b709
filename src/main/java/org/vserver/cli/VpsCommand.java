package org.vserver.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.vserver.context.SpectatorPlanner;
import org.vserver.guest.GuestOwnerNames;
import org.vserver.guest.Vserver;
import org.vserver.launch.Launcher;
import org.vserver.proc.ContextOfPid;
import org.vserver.proc.OwnerColumns;
import org.vserver.proc.UserNames;
import org.vserver.proc.VpsColumn;
import org.vserver.sys.ErrnoException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.vserver.sys.Syscalls;

/**
 * {@code vps PS-OPTIONS}: the host's ps, run as the spectator, with a CONTEXT column ("xid name",
 * "0 MAIN" for the host). bin/vserver does this without a JVM (bin/vps.awk); this class serves
 * {@code --json} and {@code --help}, and any vps without the fast path's files.
 */
@Command(name = "vps", description = {
        "ps(1) of every process on the host, run as the spectator (no capabilities, an unused uid), with the CONTEXT of each process:",
        "XID NAME of its guest, 0 MAIN for the host, 1 ALL_PROC for ps itself, ? NAME for a guest that is not running.",
        "Every argument but --json goes to ps: vps ax, vps -ef, vps -o pid,comm; ps's own help: vps --help all."})
final class VpsCommand implements java.util.concurrent.Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    // Long names only: -h and -V are ps options (no header, version), passed on.
    @Option(names = "--help", usageHelp = true, description = "show this help and exit") boolean help;

    @Option(names = "--json", description = "one JSON array: an object per process with ps's columns, ctx (the xid) and name;"
            + " a guest's user or group shown by its own name also keeps the host's id, as host_user, host_uid, host_group...")
    boolean json;

    @Parameters(paramLabel = "PS-OPTIONS") List<String> psArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        Vserver vs = guests.vserver();
        List<String> argv = new ArrayList<>(List.of("ps"));
        argv.addAll(psArgs);
        var ps = runAsSpectator(vs, argv);
        var ofPid = new ContextOfPid(vs.proc().root(), ContextOfPid.running(vs.proc().root(), vs.state()), vs.cgroupParent(), ps.pid());
        // ps names host ids itself; only a guest's ids need its own names (the host's are not read)
        var owners = GuestOwnerNames.of(vs, UserNames.NONE, UserNames.NONE);
        var out = spec.commandLine().getOut();
        if (json) {
            var rows = VpsColumn.rows(ps.output(), ofPid::of);
            OwnerColumns.rewriteRows(rows, owners);
            out.println(JSON.writeValueAsString(rows));
        } else {
            out.print(VpsColumn.insertContextColumn(OwnerColumns.rewrite(ps.output(), owners), pid -> ofPid.of(pid).text()));
        }
        out.flush();
        return ps.exitCode();
    }

    private record Ps(int pid, String output, int exitCode) {}

    /**
     * ps through the launcher with SpectatorPlanner's plan: its stdout into a pipe read while it
     * runs (ps fills a pipe's buffer long before it ends), stderr the caller's. The plan has no
     * clone: the launcher's pid is ps's.
     */
    private static Ps runAsSpectator(Vserver vs, List<String> argv) throws IOException {
        var sys = vs.sys();
        int[] pipe = sys.pipe();
        int in = -1;
        try (var ex = Executors.newVirtualThreadPerTaskExecutor()) {     // close() waits for the reader
            in = sys.open("/dev/null", Syscalls.O_RDONLY, 0);
            Future<byte[]> reader = ex.submit(() -> readAll(sys, pipe[0]));
            var pid = new AtomicInteger(-1);
            Launcher.Result r;
            try {
                r = vs.launcher().run(SpectatorPlanner.plan(argv, null, false), new Launcher.Stdio.Fds(in, pipe[1], 2),
                        new Launcher.Host() {
                            @Override public void launcherAlive(int p) { pid.set(p); }
                        });
            } finally {
                sys.close(pipe[1]);   // ps's copy closed when it exited: now the reader sees EOF
            }
            return new Ps(pid.get(), new String(reader.get(), StandardCharsets.UTF_8), r.exitCode());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("read(ps's output) failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while ps ran");
        } finally {
            sys.close(pipe[0]);
            if (in >= 0) sys.close(in);
        }
    }

    private static byte[] readAll(Syscalls sys, int fd) throws ErrnoException {
        var buf = new ByteArrayOutputStream();
        byte[] b = new byte[65536];
        for (int n; (n = sys.read(fd, b, 0, b.length)) > 0; ) buf.write(b, 0, n);
        return buf.toByteArray();
    }
}
