package org.vserver.launch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanWriter;
import org.vserver.plan.Sync;
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
 *   EXEC                  EOF        done
 *   DETAIL(step) text     -->        the failing call as the launcher made it: "prctl(PR_CAPBSET_DROP, 2)"
 *   FAIL(step, errno)     -->        StepFailedException, its message that call
 * </pre>
 *
 * The JVM never forks: the launcher is made by posix_spawn ({@link SpawnTransport}) or by the
 * JDK's own process spawning ({@link PipeTransport}).
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

    /**
     * bin/vserver of the installation or checkout this launcher belongs to: {@code HOME/lib/vserver-launcher}
     * or {@code HOME/target/launcher/vserver-launcher}. A guest's monitor runs it to start the guest
     * again after a reboot.
     */
    public Path cli() {
        Path dir = binary.toAbsolutePath().getParent();
        Path home = dir.getFileName() != null && dir.getFileName().toString().equals("launcher") && dir.getParent() != null
                ? dir.getParent().getParent() : dir.getParent();
        return (home == null ? dir : home).resolve("bin/vserver");
    }

    /** What the host does at the protocol's points; every method may throw to abort the start. */
    public interface Host {
        default void launcherAlive(int pid) throws IOException {}

        default void childPid(int pid) throws IOException {}

        default void sync(Sync sync) throws IOException {}
    }

    /** The launcher's stdio: JVM fds ({@link #INHERIT}: the JVM's own), or a host file for its output. */
    public sealed interface Stdio {
        Fds INHERIT = new Fds(0, 1, 2);

        /** JVM fds handed over as 0, 1, 2 (posix_spawn through FFM). */
        record Fds(int in, int out, int err) implements Stdio {}

        /**
         * /dev/null as stdin, the file (appended to) as stdout and stderr (the JDK's process spawning,
         * no FFM). A start plan replaces the init's stdout and stderr with the guest's own console
         * (OPEN_STDIO), so only the launcher's early messages land here.
         */
        record OutputFile(Path file) implements Stdio {}
    }

    /** @param exitCode the launcher's exit code (the command's, for plans whose CLONE waits) */
    public record Result(int launcherPid, int childPid, int exitCode) {}

    /**
     * Runs a plan whose only answer is its exit and its failure ({@link StepFailedException}): stdio
     * on /dev/null, so the launcher's own report of a failure does not reach the caller's terminal
     * (the caller words it). For host-side plans: probes, prlimits of a running guest.
     */
    public Result runQuietly(Plan plan) throws IOException {
        int devNull = sys.open("/dev/null", Syscalls.O_RDWR, 0);
        try {
            return run(plan, new Stdio.Fds(devNull, devNull, devNull), new Host() {});
        } finally {
            sys.close(devNull);
        }
    }

    public Result run(Plan plan, Stdio stdio, Host host) throws IOException {
        // instanceof, not a pattern switch: its bootstrap would cost every start milliseconds
        Transport t = stdio instanceof Stdio.OutputFile c ? PipeTransport.start(binary.toString(), c.file())
                : SpawnTransport.start(sys, binary.toString(), (Stdio.Fds) stdio);
        int child = 0;
        StepFailedException failure = null;
        String detail = null;
        int detailStep = -1;
        try {
            int[] rec = readStatus(t);
            if (rec == null || StatusKind.of(rec[0]) != StatusKind.ALIVE)
                throw new IOException(binary + " did not start (exit code " + t.waitFor() + ")");
            host.launcherAlive(t.pid());
            t.write(PlanWriter.write(plan));
            while ((rec = readStatus(t)) != null) {
                switch (StatusKind.of(rec[0])) {
                    case PID -> {
                        child = rec[2];
                        host.childPid(child);
                    }
                    case SYNC -> {
                        Sync s = Sync.of(rec[2]);
                        host.sync(s);
                        t.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(s.id()).array());
                    }
                    case DETAIL -> {
                        detail = readDetail(t, rec[2]);
                        detailStep = rec[1];
                    }
                    case FAIL -> failure = new StepFailedException(plan, rec[1], rec[2], detailStep == rec[1] ? detail : null);
                    case ALIVE -> throw new IOException("launcher protocol: ALIVE twice");
                }
            }
        } catch (IOException | RuntimeException e) {
            t.kill();
            t.closeChannels();
            t.waitFor();
            throw e;
        }
        t.closeChannels();
        int exit = t.waitFor();
        if (failure != null) throw failure;
        return new Result(t.pid(), child, exit);
    }

    /** One status record {kind, step, value}, or null at EOF. */
    private static int[] readStatus(Transport t) throws IOException {
        byte[] b = new byte[STATUS_SIZE];
        if (!readFully(t, b)) return null;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        return new int[] {bb.getInt(), bb.getInt(), bb.getInt()};
    }

    /** The text of a DETAIL record of {@code len} bytes (bounded: a broken launcher cannot make us allocate more). */
    private static String readDetail(Transport t, int len) throws IOException {
        if (len < 0 || len > StatusKind.DETAIL_MAX)
            throw new IOException("launcher protocol: DETAIL of " + Integer.toUnsignedString(len) + " bytes (at most "
                    + StatusKind.DETAIL_MAX + ")");
        byte[] b = new byte[len];
        if (len > 0 && !readFully(t, b)) throw new IOException("launcher protocol: truncated DETAIL record");
        return visible(new String(b, StandardCharsets.UTF_8));
    }

    /**
     * The detail names paths as the kernel had them, some of the guest's making (a getcwd() that is
     * not the plan's): its control characters reach the admin's terminal as {@code \xhh}, as the
     * plan's text shows them, never as escape sequences.
     */
    static String visible(String s) {
        var b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** Fills {@code b}; false at EOF before its first byte, an exception at EOF inside it. */
    private static boolean readFully(Transport t, byte[] b) throws IOException {
        int got = 0;
        while (got < b.length) {
            int n = t.read(b, got, b.length - got);
            if (n == 0) {
                if (got == 0) return false;
                throw new IOException("launcher protocol: truncated status record");
            }
            got += n;
        }
        return true;
    }

    /**
     * Where the launcher binary is: {@code -Dvserver.launcher}, {@code $VSERVER_LAUNCHER} of
     * {@code env} (the composition root's environment), or next to the jar (target/launcher/ in a
     * checkout, the same directory when installed).
     */
    public static Path locate(Map<String, String> env) throws IOException {
        String p = System.getProperty("vserver.launcher", env.get("VSERVER_LAUNCHER"));
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
