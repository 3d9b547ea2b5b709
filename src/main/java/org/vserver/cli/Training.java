package org.vserver.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/**
 * The workload the build records into the JVM's AOT cache (scripts/train-aot): every command of
 * a guest's life once, in one JVM, against the throw-away roots the script sets in
 * VSERVER_CONFDIR / VSERVER_RUNDIR. With the cache, a command's JVM starts with these classes
 * already loaded and linked.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        var sink = new PrintStream(new ByteArrayOutputStream(), true);
        String g = args.length > 0 ? args[0] : "aot-training";
        String[][] commands = {
            {"vserver", g, "build", "-m", "host"},
            {"vserver", "debug", "plan", g, "start"},
            {"vserver", g, "start"},
            {"vserver", g, "status"},
            {"vserver", g, "running"},
            {"vserver", g, "exec", "/bin/true"},
            {"vserver", g, "config", "show"},
            {"vserver", g, "config", "get", "context"},
            {"vserver-stat"},
            {"vps", "-e"},
            {"vserver", g, "stop"},
            {"vserver", g, "delete"},
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
