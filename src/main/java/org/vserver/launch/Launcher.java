package org.vserver.launch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanWriter;
import org.vserver.plan.Sync;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * Starts the C launcher with the plan on fd 3 and its status on fd 4, and speaks the protocol
 * drawn in launcher/protocol.h:
 *
 * <pre>
 *   launcher                         parent (java)
 *   ALIVE(pid)            -->        host.launcherAlive(pid): e.g. the guest's cgroups
 *                         <--        plan
 *   PID(step, child)      -->        host.childPid(child)
 *   SYNC(step, id)        -->        host.sync(id): state file, later the network
 *                         <--        ack(id)
 *   EXEC                  EOF        done; FAIL(step, errno) --> StepFailedException
 * </pre>
 *
 * The JVM never forks: posix_spawn is the only way a process is made.
 */
public final class Launcher {
    private static final int STATUS_SIZE = 12;

    private final Path binary;
    private final Syscalls sys;

    public Launcher(Path binary, Syscalls sys) {
        this.binary = binary;
        this.sys = sys;
    }

    public Path binary() { return binary; }

    /** What the host does at the protocol's points; every method may throw to abort the start. */
    public interface Host {
        default void launcherAlive(int pid) throws IOException {}

        default void childPid(int pid) throws IOException {}

        default void sync(Sync sync) throws IOException {}
    }

    /** JVM fds to hand the launcher as its 0, 1, 2; {@link #INHERIT} passes the JVM's own. */
    public record Stdio(int in, int out, int err) {
        public static final Stdio INHERIT = new Stdio(0, 1, 2);
    }

    /** @param exitCode the launcher's exit code (the command's, for plans whose CLONE waits) */
    public record Result(int launcherPid, int childPid, int exitCode) {}

    public Result run(Plan plan, Stdio stdio, Host host) throws IOException {
        int[] planPipe = sys.pipe();
        int[] statusPipe;
        try {
            statusPipe = sys.pipe();
        } catch (ErrnoException e) {
            sys.close(planPipe[0]);
            sys.close(planPipe[1]);
            throw e;
        }
        Map<Integer, Integer> fds = new LinkedHashMap<>();
        fds.put(0, stdio.in());
        fds.put(1, stdio.out());
        fds.put(2, stdio.err());
        fds.put(3, planPipe[0]);
        fds.put(4, statusPipe[1]);
        int pid;
        try {
            // argv[0] without the host path: a sysv guest sees its reaper as PID 1 in ps.
            pid = sys.spawn(binary.toString(), List.of("vserver-init"), List.of(), fds);
        } catch (ErrnoException e) {
            for (int fd : new int[] {planPipe[0], planPipe[1], statusPipe[0], statusPipe[1]}) sys.close(fd);
            throw e;
        } finally {
            // Our copies of the launcher's ends must go, or EOF (= exec happened) never comes.
            sys.close(planPipe[0]);
            sys.close(statusPipe[1]);
        }
        int child = 0;
        StepFailedException failure = null;
        try {
            int[] rec = readStatus(statusPipe[0]);
            if (rec == null || StatusKind.of(rec[0]) != StatusKind.ALIVE)
                throw new IOException(binary + " did not start (" + exitDescription(pid) + ")");
            host.launcherAlive(pid);
            sys.write(planPipe[1], PlanWriter.write(plan));
            while ((rec = readStatus(statusPipe[0])) != null) {
                switch (StatusKind.of(rec[0])) {
                    case PID -> {
                        child = rec[2];
                        host.childPid(child);
                    }
                    case SYNC -> {
                        Sync s = Sync.of(rec[2]);
                        host.sync(s);
                        sys.write(planPipe[1], ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(s.id()).array());
                    }
                    case FAIL -> failure = new StepFailedException(plan, rec[1], rec[2]);
                    case ALIVE -> throw new IOException("launcher protocol: ALIVE twice");
                }
            }
        } catch (IOException | RuntimeException e) {
            killQuietly(pid);
            sys.waitpid(pid);
            throw e;
        } finally {
            sys.close(planPipe[1]);
            sys.close(statusPipe[0]);
        }
        int status = sys.waitpid(pid);
        if (failure != null) throw failure;
        return new Result(pid, child, Syscalls.exitCode(status));
    }

    private String exitDescription(int pid) throws ErrnoException {
        int status = sys.waitpid(pid);
        return "exit code " + Syscalls.exitCode(status);
    }

    private void killQuietly(int pid) {
        try {
            sys.kill(pid, Syscalls.SIGKILL);
        } catch (ErrnoException ignored) {
            // already gone: waitpid below reaps it
        }
    }

    /** One status record {kind, step, value}, or null at EOF. */
    private int[] readStatus(int fd) throws IOException {
        byte[] b = new byte[STATUS_SIZE];
        int got = 0;
        while (got < STATUS_SIZE) {
            int n = sys.read(fd, b, got, STATUS_SIZE - got);
            if (n == 0) {
                if (got == 0) return null;
                throw new IOException("launcher protocol: truncated status record");
            }
            got += n;
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        return new int[] {bb.getInt(), bb.getInt(), bb.getInt()};
    }

    /**
     * Where the launcher binary is: {@code -Dvserver.launcher}, {@code $VSERVER_LAUNCHER}, or next
     * to the jar (target/launcher/ in a checkout, the same directory when installed).
     */
    public static Path locate() throws IOException {
        String p = System.getProperty("vserver.launcher", System.getenv("VSERVER_LAUNCHER"));
        if (p != null) return Path.of(p);
        try {
            Path jar = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(jar) ? jar.getParent() : jar.getParent(); // target/classes or target/vserver.jar
            for (Path c : List.of(dir.resolve("launcher/vserver-launcher"), dir.resolve("vserver-launcher")))
                if (Files.isExecutable(c)) return c;
        } catch (java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        throw new IOException("vserver-launcher not found next to the jar: build it with `mvn package` or set VSERVER_LAUNCHER");
    }
}
