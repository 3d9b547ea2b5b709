package org.vserver.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/**
 * The workload the build records into the JVM's AOT cache (scripts/train-aot): the start and
 * status of a guest the script has built (and the start of a shared-stack one), in one JVM, against the throw-away roots it sets in
 * VSERVER_CONFDIR / VSERVER_RUNDIR. With the cache, a command's JVM starts with these classes
 * already loaded and linked. Only the lifecycle is recorded: the JVM loads every class of the
 * cache at start-up, so classes of rarer commands (build, config, vserver-stat) would slow down
 * the start of every guest (measured: 187 ms with them, 144 ms without). stop and the exec
 * fallback link native calls (FFM), whose classes would cost every start too.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        var sink = new PrintStream(new ByteArrayOutputStream(), true);
        String g = args.length > 0 ? args[0] : "aot-training";
        // The second guest is on the shared stack with an address it is only bound to (no device:
        // nothing changes on the host's network), so the bind hooks' classes are recorded too.
        String shared = args.length > 1 ? args[1] : "aot-training-net";
        String[][] commands = {
            {"vserver", g, "start"},
            {"vserver", g, "status"},
            {"vserver", g, "running"},
            {"vserver", shared, "start"},
        };
        int failed = 0;
        for (String[] c : commands) {
            String[] rest = java.util.Arrays.copyOfRange(c, 1, c.length);
            int rc = Main.run(c[0], rest, sink, sink);
            if (rc != 0) {
                System.err.println("training: `" + String.join(" ", c) + "` exited " + rc);
                failed++;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
