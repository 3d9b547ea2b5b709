package org.vserver.launch;

import java.io.IOException;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.Step;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;

/**
 * A plan step the launcher could not execute, mapped back to its record:
 * {@code mount(`/proc`) failed: Operation not permitted (EPERM) (step 9/23: MOUNT "proc" ...)}.
 */
public final class StepFailedException extends IOException {
    private final int step;
    private final int errno;
    private final Step failed;

    public StepFailedException(Plan plan, int step, int errno) {
        super(describe(plan, step, errno));
        this.step = step;
        this.errno = errno;
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

    static String describe(Plan plan, int step, int errno) {
        String reason = LinuxSyscalls.strerror(errno) + " (" + Errno.name(errno) + ")";
        if (step < 0 || step >= plan.steps().size())
            return "the launcher refused the plan: " + reason + " (a launcher built from another version? rebuild with mvn package)";
        Step s = plan.steps().get(step);
        return StepCall.of(s) + " failed: " + reason + " (step " + step + "/" + plan.steps().size() + ": "
                + PlanText.line(step, s).strip() + ")";
    }

    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
