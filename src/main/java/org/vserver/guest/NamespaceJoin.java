package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.context.NamespacePlanner;
import org.vserver.launch.Launcher;
import org.vserver.launch.StepFailedException;
import org.vserver.state.RunState;

/**
 * One namespace of a running guest: its mount table ({@code vnamespace --enter}) and its node and
 * domain name ({@code vuname}). The guest is found by name or XID ({@link GuestRef}), as {@code --xid} takes it.
 */
public final class NamespaceJoin {
    private final Guests guests;
    private final Vserver vs;

    public NamespaceJoin(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    /** The node and domain name of a guest's UTS namespace; "(none)" is the kernel's empty domain. */
    public record Uts(String nodename, String domainname) {}

    /** Runs {@code argv} in the guest's mount namespace; its exit code, 125 if it did not start. */
    public int enterMounts(String xid, List<String> argv) throws IOException {
        RunState st = GuestRef.requireRunning(guests, xid);
        List<String> env = vs.environment();
        try {
            return vs.launcher().run(NamespacePlanner.enterMounts(st.initPid(), st.initStartTicks(), argv, env),
                    Launcher.Stdio.INHERIT, new Launcher.Host() {}).exitCode();
        } catch (StepFailedException e) {
            vs.err().println("vnamespace: " + e.brief());
            return GuestJoin.EXIT_SETUP;
        }
    }

    public Uts readUts(String xid) throws IOException {
        RunState st = GuestRef.requireRunning(guests, xid);
        // The reader's output goes to a file of the run state: the launcher hands its stdout over as a file.
        Path out = Files.createTempFile(vs.state().guestDir(st.name()), "uts", ".txt");
        try {
            int rc = vs.launcher().run(NamespacePlanner.readUts(st.initPid(), st.initStartTicks()),
                    new Launcher.Stdio.OutputFile(out), new Launcher.Host() {}).exitCode();
            List<String> lines = Files.readAllLines(out);
            if (rc != 0 || lines.size() != NamespacePlanner.UTS_FILES.size())
                throw new IOException("reading " + NamespacePlanner.UTS_FILES + " in guest " + st.name() + "'s UTS namespace failed (exit "
                        + rc + "): " + String.join(" ", lines));
            return new Uts(lines.get(0), lines.get(1));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Changes the running guest's names; null leaves one as it is. Not stored: the next start uses uts/. */
    public void setUts(String xid, String nodename, String domainname) throws IOException {
        RunState st = GuestRef.requireRunning(guests, xid);
        int rc = vs.launcher().run(NamespacePlanner.setUts(st.initPid(), st.initStartTicks(), nodename, domainname),
                Launcher.Stdio.INHERIT, new Launcher.Host() {}).exitCode();
        if (rc != 0) throw new IOException("setting the names of guest " + st.name() + " failed: /bin/true exited " + rc);
    }
}
