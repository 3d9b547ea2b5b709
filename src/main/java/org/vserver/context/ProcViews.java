package org.vserver.context;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.vserver.config.ProcView;
import org.vserver.plan.Step;

/**
 * The guest's views of the host's figures ({@link ProcView}, VServer's virt_* flags) as plan steps.
 * virt_uptime is a time namespace: the kernel then shifts /proc/uptime, sysinfo(2), the btime of
 * /proc/stat and every /proc/PID/stat start time alike. The others are lxcfs's files bound over
 * /proc and /sys. lxcfs's /proc/stat writes the host's btime, which beside the namespace's start
 * times would make ps date every process to the host's boot: with virt_uptime, /proc/stat stays
 * the kernel's (its per-CPU lines the host's).
 */
public final class ProcViews {
    private ProcViews() {}

    /**
     * The host's lxcfs: its program (empty: not installed), where it is mounted, and the lock and
     * pid file of one vserver starts (in the run directory's root).
     */
    public record Lxcfs(Optional<String> binary, String dir, String lock, String pidFile) {
        /** The defaults: /usr/bin/lxcfs at /var/lib/lxcfs, run state below /run/vservers. */
        public static Lxcfs defaults() {
            return new Lxcfs(Optional.of("/usr/bin/lxcfs"), "/var/lib/lxcfs", "/run/vservers/.lxcfs.lock", "/run/vservers/.lxcfs.pid");
        }
    }

    /** The lxcfs options a start gives the daemon it starts: every view it can serve. */
    static final List<String> OPTIONS = List.of("--enable-loadavg", "--enable-cfs", "--enable-pidfd");

    /** What each view needs of a running lxcfs (one a system's unit started without it serves the host's figures). */
    static final List<String> NEEDS = List.of(ProcView.LOAD.flag() + " -l|--enable-loadavg", ProcView.CPU.flag() + " --enable-cfs");

    /** The views lxcfs serves. */
    static boolean needsLxcfs(Set<ProcView> views) {
        return views.contains(ProcView.MEM) || views.contains(ProcView.LOAD) || views.contains(ProcView.CPU);
    }

    /** LXCFS, first of the host steps (before the guest's cgroups: the daemon is the host's), if a view needs it and it is installed. */
    static Optional<Step> daemon(Set<ProcView> views, Lxcfs lxcfs) {
        if (!needsLxcfs(views) || lxcfs.binary().isEmpty()) return Optional.empty();
        List<String> args = new ArrayList<>(OPTIONS);
        args.addAll(List.of("-p", lxcfs.pidFile()));
        return Optional.of(new Step.Lxcfs(lxcfs.binary().get(), lxcfs.dir(), lxcfs.lock(), args, NEEDS));
    }

    /** The binds of lxcfs's files, once the guest's /proc and /sys are mounted; targets the kernel lacks are skipped. */
    static List<Step> binds(Set<ProcView> views, Lxcfs lxcfs, Predicate<String> exists) {
        List<Step> s = new ArrayList<>();
        if (!needsLxcfs(views) || lxcfs.binary().isEmpty()) return s;
        if (views.contains(ProcView.MEM)) {
            bind(s, ProcView.MEM, lxcfs, "/proc/meminfo", exists);
            bind(s, ProcView.MEM, lxcfs, "/proc/swaps", exists);
        }
        if (views.contains(ProcView.LOAD)) bind(s, ProcView.LOAD, lxcfs, "/proc/loadavg", exists);
        if (views.contains(ProcView.CPU)) {
            bind(s, ProcView.CPU, lxcfs, "/proc/cpuinfo", exists);
            if (!views.contains(ProcView.UPTIME)) bind(s, ProcView.CPU, lxcfs, "/proc/stat", exists);
            bind(s, ProcView.CPU, lxcfs, "/sys/devices/system/cpu", exists);
        }
        return s;
    }

    private static void bind(List<Step> s, ProcView view, Lxcfs lxcfs, String path, Predicate<String> exists) {
        if (exists.test(path)) s.add(new Step.LxcfsBind(view.flag(), lxcfs.dir() + path, path));
    }

    /** What a start says about views it cannot give (lxcfs missing), said by every start. */
    public static List<String> warnings(Set<ProcView> views, Lxcfs lxcfs) {
        if (!needsLxcfs(views) || lxcfs.binary().isPresent()) return List.of();
        List<String> names = views.stream().filter(v -> v != ProcView.UPTIME).sorted().map(ProcView::flag).toList();
        return List.of(String.join(", ", names) + ": lxcfs is not installed (apt-get install lxcfs):"
                + " the guest sees the host's figures there (`!virt_mem` etc. in its cflags turns a view off)");
    }
}
