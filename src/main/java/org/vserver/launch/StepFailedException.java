package org.vserver.launch;

import java.io.IOException;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.Step;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;

/**
 * A plan step the launcher could not execute, named by the call the launcher made (its DETAIL
 * record) and mapped back to its record:
 * {@code prctl(PR_CAPBSET_DROP, 2) failed: Operation not permitted (EPERM): ... (step 30/34: 30 SET_CAPS ...)}.
 */
public final class StepFailedException extends IOException {
    private final int step;
    private final int errno;
    private final String call;
    private final Step failed;

    /** @param call the failing call as the launcher made it ({@code open(`/proc/42/ns/net`)}), or null if it sent none */
    public StepFailedException(Plan plan, int step, int errno, String call) {
        super(describe(plan, step, errno, call));
        this.step = step;
        this.errno = errno;
        this.call = call;
        this.failed = step >= 0 && step < plan.steps().size() ? plan.steps().get(step) : null;
    }

    /**
     * For the user of a tool whose plan ends in running their command: a failed execve names the
     * command only (the full step would print the whole environment); anything else as {@link #getMessage}.
     */
    public String brief() {
        if (failed instanceof Step.Exec x)
            return "cannot run " + x.path() + ": " + LinuxSyscalls.strerror(errno) + " (" + Errno.name(errno) + ")";
        return getMessage();
    }

    public int step() { return step; }

    public int errno() { return errno; }

    /** The failing call as the launcher made it, or null if it sent none. */
    public String call() { return call; }

    static String describe(Plan plan, int step, int errno, String call) {
        String reason = LinuxSyscalls.strerror(errno) + " (" + Errno.name(errno) + ")";
        if (step < 0 || step >= plan.steps().size())
            return "the launcher refused the plan: " + (call == null ? "" : call + " failed: ") + reason
                    + " (a launcher built from another version? rebuild with mvn package)";
        Step s = plan.steps().get(step);
        // "!": the launcher said a whole sentence (an address another holds), not a call
        if (call != null && call.startsWith("!"))
            return call.substring(1) + " (" + Errno.name(errno) + ") (step " + step + "/" + plan.steps().size() + ")";
        // Without the launcher's word, the op is all we know: no guess at which of its calls failed.
        String what = call != null ? call : "the launcher's " + s.op().name();
        return what + " failed: " + reason + hint(s, errno) + " (step " + step + "/" + plan.steps().size() + ": "
                + PlanText.line(step, s).strip() + ")";
    }

    /** What an errno means for the steps on the guest's tree, where it is the guest's doing more often than not. */
    static String hint(Step s, int errno) {
        String path = switch (s) {
            case Step.MkdirIn x -> x.path();
            case Step.MknodIn x -> x.path();
            case Step.SymlinkIn x -> x.linkPath();
            case Step.MountIn x -> x.target();
            case Step.BindIn x -> x.target();
            case Step.BindIdmapIn x -> x.target();
            case Step.ChownIn x -> x.path();
            default -> null;
        };
        if (s instanceof Step.SetCaps && errno == Errno.EPERM)
            return ": vserver runs with fewer capabilities than it needs to set the guest's (CAP_SETPCAP to narrow the"
                    + " bounding set, and each capability the guest keeps): run it as root with the full bounding set, not"
                    + " under setpriv --bounding-set, capsh --drop or a container that reduced it";
        if (s instanceof Step.VerifyCwd && errno == Errno.EXDEV)
            return ": the start is refused: the working directory is outside the guest, or a mount is stacked on the guest's"
                    + " root (its `/..` would reach what lies above, the host's root)";
        if (path == null) return "";
        if (errno == Errno.ELOOP)
            return ": `" + path + "`" + (s instanceof Step.BindIn b ? " (or the bind's source `" + b.source() + "`)" : "")
                    + " is a symbolic link in the guest's tree; the launcher never"
                    + " follows a link where it creates, mounts or chowns (the guest could point it at the host): replace the"
                    + " link with a directory (or file) inside the guest";
        if (errno == Errno.EXDEV)
            return ": `" + path + "` is the guest's root itself; nothing is mounted over it: fix the fstab line";
        if (errno == Errno.ENOENT)
            return ": a directory on the way to `" + path + "` is missing in the guest's tree (links are followed only"
                    + " inside the guest: an absolute one starts again at the guest's root)";
        return "";
    }

    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
