package org.vserver.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one home of run-state paths: {@code /run/vservers} (or {@code $VSERVER_RUNDIR}), one
 * directory per running guest holding {@code state}, {@code exec.plan} (the replayed exec path),
 * {@code launcher.log} (the launcher's own messages of the start) and {@code limits/} (live resource
 * settings); {@code NAME.lock} beside it serializes start and stop. The guest's console is not here:
 * it lives in the guest's own /dev ({@code vserver NAME console}).
 */
public record StateDir(Path root) {
    /** The run-state root without {@code $VSERVER_RUNDIR}. */
    public static final Path DEFAULT_ROOT = Path.of("/run/vservers");


    /** {@code $VSERVER_RUNDIR} of {@code env} (the composition root's environment) if set and not empty, else /run/vservers. */
    public static StateDir fromEnvironment(Map<String, String> env) {
        String dir = env.get("VSERVER_RUNDIR");
        return new StateDir(dir != null && !dir.isEmpty() ? Path.of(dir) : DEFAULT_ROOT);
    }

    public Path guestDir(String name) { return root.resolve(name); }

    public Path stateFile(String name) { return guestDir(name).resolve("state"); }

    public Path execPlan(String name) { return guestDir(name).resolve("exec.plan"); }

    /**
     * The launcher's stderr during a start, until it opens the guest's console as the init's
     * stdout and stderr: its own early errors only. No guest process ever holds it.
     */
    public Path launcherLog(String name) { return guestDir(name).resolve("launcher.log"); }

    /**
     * The running guest's live resource settings ({@code sched/}, {@code rlimits/}, ... as in a
     * cfgdir): written at start from the configuration, changed by vsched and vlimit.
     */
    public Path limitsDir(String name) { return guestDir(name).resolve("limits"); }

    public Path lockFile(String name) { return root.resolve(name + ".lock"); }

    /*
     * The launcher also keeps here, for netns guests (launcher/veth.c): `.network.lock`, which
     * serializes joining and removing bridges, and `BRIDGE.bridge` while vserver owns a bridge it
     * created (it goes with its last port).
     */

    public Optional<RunState> read(String name) throws IOException {
        Path f = stateFile(name);
        return Files.exists(f) ? Optional.of(RunState.read(f)) : Optional.empty();
    }

    /**
     * The XIDs recorded in the run state of every entry but {@code except} (null: none excepted),
     * running or stale: a new dynamic context takes none of them.
     */
    public Set<Integer> xids(String except) {
        Set<Integer> used = new HashSet<>();
        try {
            for (String n : names())
                if (!n.equals(except)) read(n).ifPresent(s -> used.add(s.xid()));
        } catch (IOException e) {
            // unreadable state of another guest: at worst two contexts show the same dynamic id
        }
        return used;
    }

    /** Names with a state directory, running or stale. */
    public List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(p -> out.add(p.getFileName().toString()));
        }
        out.sort(null);
        return out;
    }

    /** Creates the guest's directory, private to root (the exec plan is an instruction list). */
    public Path create(String name) throws IOException {
        Files.createDirectories(root, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        Path d = guestDir(name);
        Files.createDirectories(d, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        return d;
    }

    /** Removes the guest's directory; the root too if nothing else is left in it. */
    public void remove(String name) throws IOException {
        Path d = guestDir(name);
        if (Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.walk(d)) {       // walk does not follow links: deletes them, not their targets
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        removeRootIfEmpty();
    }

    public void removeRootIfEmpty() {
        try {
            Files.deleteIfExists(root);
        } catch (IOException notEmpty) {
            // other guests are running, or a lock is held
        }
    }
}
