package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.OptionalInt;
import org.vserver.config.ConfigDir;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.state.RunState;

/**
 * A guest as the host tools name it (VServer's {@code --xid X}): a guest name or a context number.
 * Looked up in this order: a running guest of that name or context number; a guest directory of
 * that name; a stopped guest whose {@code context} file holds that number.
 *
 * @param name    the guest's directory name in the configuration root
 * @param running its run state if it runs
 */
public record GuestRef(String name, Optional<RunState> running) {

    public static Optional<GuestRef> find(Guests guests, String arg) throws IOException {
        Vserver vs = guests.vserver();
        for (String n : vs.state().names()) {
            Optional<RunState> st = guests.running(n);
            if (st.isPresent() && (n.equals(arg) || Integer.toString(st.get().xid()).equals(arg)))
                return Optional.of(new GuestRef(n, st));
        }
        if (ConfigRoot.isValidName(arg) && Files.isDirectory(vs.config().confdir().resolve(arg)))
            return Optional.of(new GuestRef(arg, Optional.empty()));
        if (arg.matches("\\d{1,6}")) {
            int xid = Integer.parseInt(arg);
            for (String g : safeNames(vs.config())) {
                try {
                    OptionalInt c = ConfigDir.staticContext(vs.config(), g);
                    if (c.isPresent() && c.getAsInt() == xid) return Optional.of(new GuestRef(g, Optional.empty()));
                } catch (ConfigException e) {
                    // a guest with a broken context file holds no number; its own commands report it
                }
            }
        }
        return Optional.empty();
    }

    /** The guest, or an error naming {@code arg} and where it was looked for. */
    public static GuestRef require(Guests guests, String arg) throws IOException {
        return find(guests, arg).orElseThrow(() -> new IOException("no guest '" + arg + "': neither a guest in "
                + guests.vserver().config().confdir() + " nor the context number of one"));
    }

    /** The run state; {@link GuestNotRunningException} (exit 3) if the guest is stopped. */
    public RunState requireRunning() throws GuestNotRunningException {
        return running.orElseThrow(() -> new GuestNotRunningException(name));
    }

    private static java.util.List<String> safeNames(ConfigRoot root) throws IOException {
        try {
            return root.guestNames();
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
