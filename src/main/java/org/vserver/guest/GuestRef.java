package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.proc.GuestOfPid;
import org.vserver.state.RunState;
import org.vserver.state.Xid;

/**
 * A guest as the host tools name it (VServer's {@code --xid X}): the one resolver every tool
 * uses. A name or a context number is looked up in this order: a running guest (or throw-away
 * context) of that name or context number; a guest directory of that name; a stopped guest whose
 * {@code context} file holds that number. Tools that also take a pid (vserver-info) then ask
 * {@link #ofPid} which guest the process runs in.
 *
 * <p>{@code vserver XID COMMAND} resolves a number that is no guest's name here too; a name goes
 * straight to the command (bin/vserver's exec fast path knows names only).
 *
 * @param name    the guest's directory name in the configuration root (or a throw-away context's {@code ctx-XID})
 * @param running its run state if it runs
 */
public record GuestRef(String name, Optional<RunState> running) {

    /** The guest {@code arg} names, by name or context number; empty if none. */
    public static Optional<GuestRef> find(Guests guests, String arg) throws IOException {
        OptionalInt xid = Xid.parse(arg);
        Optional<GuestRef> running = running(guests, arg, xid);
        if (running.isPresent()) return running;
        ConfigRoot root = guests.vserver().config();
        if (ConfigRoot.isValidName(arg) && Files.isDirectory(root.confdir().resolve(arg)))
            return Optional.of(new GuestRef(arg, Optional.empty()));
        if (xid.isPresent()) {
            for (String g : guestNames(root)) {
                try {
                    OptionalInt c = ConfigDir.staticContext(root, g);
                    if (c.isPresent() && c.getAsInt() == xid.getAsInt()) return Optional.of(new GuestRef(g, Optional.empty()));
                } catch (ConfigException e) {
                    // a guest with a broken context file holds no number; its own commands report it
                }
            }
        }
        return Optional.empty();
    }

    /** The guest {@code arg} names, or an error naming {@code arg} and where it was looked for. */
    public static GuestRef require(Guests guests, String arg) throws IOException {
        return find(guests, arg).orElseThrow(() -> new IOException("no guest '" + arg + "': neither a guest in "
                + guests.vserver().config().confdir() + " nor the context number of one"));
    }

    /**
     * The run state of the guest {@code arg} names: an unknown guest is an error (exit 1), a
     * stopped one {@link GuestNotRunningException} (exit 3), for every tool alike.
     */
    public static RunState requireRunning(Guests guests, String arg) throws IOException {
        return require(guests, arg).requireRunning();
    }

    /**
     * The guest process {@code pid} (a host pid) runs in, by its cgroup; empty for a host process
     * or one that is gone.
     *
     * @param proc /proc, or a fixture
     */
    public static Optional<GuestRef> ofPid(Guests guests, Path proc, int pid) throws IOException {
        Optional<String> name = new GuestOfPid(proc, guests.vserver().cgroupParent()).guestOf(pid);
        if (name.isEmpty()) return Optional.empty();
        return Optional.of(new GuestRef(name.get(), guests.running(name.get())));
    }

    /** The running guest or throw-away context at context number {@code xid}, if any. */
    public static Optional<GuestRef> holder(Guests guests, int xid) throws IOException {
        return running(guests, null, OptionalInt.of(xid));
    }

    /** The running guest named {@code name} or at context number {@code xid}. */
    private static Optional<GuestRef> running(Guests guests, String name, OptionalInt xid) throws IOException {
        for (String n : guests.vserver().state().names()) {
            Optional<RunState> st = guests.running(n);
            if (st.isPresent() && (n.equals(name) || xid.isPresent() && st.get().xid() == xid.getAsInt()))
                return Optional.of(new GuestRef(n, st));
        }
        return Optional.empty();
    }

    /** The run state; {@link GuestNotRunningException} (exit 3) if the guest is stopped. */
    public RunState requireRunning() throws GuestNotRunningException {
        return running.orElseThrow(() -> new GuestNotRunningException(name));
    }

    private static List<String> guestNames(ConfigRoot root) throws IOException {
        try {
            return root.guestNames();
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
