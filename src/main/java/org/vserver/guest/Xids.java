package org.vserver.guest;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.vserver.state.RunState;
import org.vserver.state.StateDir;

/**
 * The context numbers in use on this host and the choice of a dynamic one (reference §4.1): shared
 * by guests that have no {@code context} file and by {@code vcontext --create}.
 */
public final class Xids {
    /** Dynamic XIDs, as VServer's kernel handed them out. */
    public static final int DYNAMIC_FIRST = 49152, DYNAMIC_LAST = 65535;

    private Xids() {}

    /** The XIDs recorded in the run state of every entry but {@code self}, running or stale. */
    public static Set<Integer> used(StateDir state, String self) {
        Set<Integer> used = new HashSet<>();
        try {
            for (String n : state.names())
                if (!n.equals(self)) state.read(n).ifPresent(s -> used.add(s.xid()));
        } catch (IOException e) {
            // unreadable state of another guest: at worst two contexts show the same dynamic id
        }
        return used;
    }

    /** The lowest dynamic XID no entry but {@code self} holds. */
    public static int dynamic(StateDir state, String self) {
        Set<Integer> used = used(state, self);
        for (int x = DYNAMIC_FIRST; x <= DYNAMIC_LAST; x++) if (!used.contains(x)) return x;
        return DYNAMIC_FIRST;
    }

    /** The running guest or context that holds {@code xid}, if any. */
    public static Optional<RunState> holder(Guests guests, int xid) throws IOException {
        for (String n : guests.vserver().state().names()) {
            Optional<RunState> st = guests.running(n);
            if (st.isPresent() && st.get().xid() == xid) return st;
        }
        return Optional.empty();
    }
}
