package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a guest's compiled start lives (doc/plan-cache.md): {@code CACHEBASE/NAME/plan/}, root's
 * alone (0700: the plan is what root runs), holding
 * <pre>
 * key         the inputs it was compiled from, and where its run state goes ({@link org.vserver.plan.PlanKey})
 * start.plan  the whole start, host steps included
 * exec.plan   what `vserver NAME exec` replays, naming the init through the run state file
 * state.in    the run state, with @PID@, @STARTTIME@ and @STARTED@ for the launcher to fill in
 * limits/     the live settings (vsched, vlimit) the start links into the run state
 * stop        what `vserver-launcher --stop` does (launcher/stop.c), linked into the run state too
 * stop.plan   the init style's stop command, replayed by that stop
 * status      what `vserver-launcher --status` prints (launcher/status.c), linked into the run state
 * </pre>
 * The key is written last: a compile cut off midway leaves no key, or the old one naming inputs
 * that no longer match, and so a stale plan, never a half-written current one.
 */
record PlanCache(Path dir) {
    static final String KEY = "key", START = "start.plan", EXEC = "exec.plan", STATE = "state.in", LIMITS = "limits",
            STOP = "stop", STOP_PLAN = "stop.plan", STATUS = "status";

    static PlanCache of(Path cacheBase, String name) {
        return new PlanCache(cacheBase.resolve(name).resolve("plan"));
    }

    Path key() { return dir.resolve(KEY); }

    Path start() { return dir.resolve(START); }

    Path exec() { return dir.resolve(EXEC); }

    Path stateTemplate() { return dir.resolve(STATE); }

    Path limits() { return dir.resolve(LIMITS); }

    Path stop() { return dir.resolve(STOP); }

    Path stopPlan() { return dir.resolve(STOP_PLAN); }

    Path status() { return dir.resolve(STATUS); }

    /** The directory, made root's own (0700 at each level vserver creates) before anything is written. */
    void prepare() throws IOException {
        var rwx = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        Path base = dir.getParent().getParent();
        if (!Files.isDirectory(base)) Files.createDirectories(base);
        for (Path d : new Path[] {dir.getParent(), dir}) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(d, rwx);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));   // whatever it was
        }
        Files.deleteIfExists(key());              // stale from here until the new key is written
        deleteTree(limits());
        Files.deleteIfExists(stop());             // a guest that now needs java has none
        Files.deleteIfExists(stopPlan());
        Files.deleteIfExists(status());
    }

    /** Writes {@code bytes} to {@code file} by rename: a running guest's hard link keeps the old inode. */
    static void write(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the guest's cache ({@code delete}). */
    static void remove(Path cacheBase, String name) throws IOException {
        deleteTree(cacheBase.resolve(name));
    }

    private static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
